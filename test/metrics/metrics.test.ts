import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';
import { runJobOnce } from '../../src/jobs/scheduler.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let t: TestContext;

beforeAll(async () => {
  t = await createTestContext({ config: { METRICS_TOKEN: TOKEN } });
});
afterAll(async () => {
  await t.close();
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The Prometheus text exposition format, read line by line: every sample, its labels, its value. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const scrape = (auth?: string) => t.anonymous().get('/metrics', auth ? { Authorization: auth } : {});

describe('GET /metrics', () => {
  it('is not found without the right bearer token', async () => {
    expect((await scrape()).status).toBe(404);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(404);
    expect((await scrape(TOKEN)).status).toBe(404);
    const bare = await createTestContext({ seed: false });
    try {
      expect((await bare.anonymous().get('/metrics', { Authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('reports requests by route pattern, event-loop delay, pool, outbox depth and job runs', async () => {
    const admin = await t.as('admin@riverside.example');
    const patient = await t.db.selectFrom('patients').select('id').orderBy('id').executeTakeFirstOrThrow();
    // The registry is the process's: test files run one after another in a worker (vitest.config.ts), so
    // counts are compared with a scrape taken just before.
    const sampleIn = (text: string, name: string, labels: Record<string, string>) =>
      parse(text).samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
    const pageLabels = { route: '/patients/:id', method: 'GET', status: '200' };
    const pageCountBefore = sampleIn((await scrape(`Bearer ${TOKEN}`)).text, 'http_request_duration_seconds_count', pageLabels);
    expect((await admin.get(`/patients/${patient.id}`)).status).toBe(200);
    expect((await admin.get('/no/such/page/12345')).status).toBe(404);
    const depthBefore = (status: string, channel: string) => sampleIn(beforeScrape.text, 'outbox_depth', { status, channel });
    const beforeScrape = await scrape(`Bearer ${TOKEN}`);
    const now = t.clock.now();
    for (let i = 0; i < 3; i++) await enqueueMessage(t.db, now, { practiceId: null, kind: 'test', channel: 'email', recipient: `m${i}@example.org`, body: 'x', dedupeKey: `metrics:${i}` });
    await enqueueMessage(t.db, now, { practiceId: null, kind: 'test', channel: 'sms', recipient: '+15550100000', body: 'x', dedupeKey: 'metrics:sms' });
    await runJobOnce({ db: t.db, clock: t.clock, logger: t.deps.logger }, { name: 'metrics-test', description: '', schedule: '* * * * * *', run: async () => 7 });
    await runJobOnce({ db: t.db, clock: t.clock, logger: t.deps.logger }, { name: 'metrics-test', description: '', schedule: '* * * * * *', run: async () => { throw new Error('boom'); } }).catch(() => {});

    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const { samples, types } = parse(res.text);
    const one = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

    expect(types.get('http_request_duration_seconds')).toBe('histogram');
    const patientPage = one('http_request_duration_seconds_count', pageLabels);
    expect(patientPage).toHaveLength(1);
    expect(patientPage[0].value).toBe(pageCountBefore + 1);
    // No raw path ever becomes a label (it would carry ids and grow without bound).
    expect(samples.some((s) => s.labels.route?.includes(String(patient.id)) || s.labels.route?.includes('12345'))).toBe(false);
    expect(one('http_request_duration_seconds_count', { status: '404' }).length).toBeGreaterThan(0);

    expect(one('nodejs_eventloop_lag_p99_seconds')).toHaveLength(1);
    expect(one('db_pool_size', { dialect: t.dialect })[0].value).toBeGreaterThanOrEqual(1);
    expect(one('db_pool_in_use', { dialect: t.dialect })).toHaveLength(1);
    expect(one('db_pool_waiting', { dialect: t.dialect })).toHaveLength(1);

    expect(one('outbox_depth', { status: 'queued', channel: 'email' })[0].value).toBe(depthBefore('queued', 'email') + 3);
    expect(one('outbox_depth', { status: 'queued', channel: 'sms' })[0].value).toBe(depthBefore('queued', 'sms') + 1);
    expect(one('outbox_depth', { status: 'sending', channel: 'email' })[0].value).toBe(depthBefore('sending', 'email'));

    expect(one('job_run_duration_seconds_count', { job: 'metrics-test', outcome: 'ok' })[0].value).toBe(1);
    expect(one('job_runs_total', { job: 'metrics-test', outcome: 'error' })[0].value).toBe(1);
    expect(types.get('import_rows_total')).toBe('counter');
  });
});
