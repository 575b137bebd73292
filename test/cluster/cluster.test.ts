import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';
import { CLUSTER_NEEDS_DATABASE_URL } from '../../src/cluster.ts';
import { freePort, postForm, sessionCookieFrom, startInstance, waitFor, type Instance } from './instances.ts';
import { duplicateKeys, startFakeResend, type FakeResend } from './fake-resend.ts';

// Three app processes against one database, as behind a load balancer: a session made on one is
// valid on the others, sign-in throttling counts across them, and scheduled work happens once.

const root = path.resolve(import.meta.dirname, '../..');
const onPostgres = !!process.env.DATABASE_URL;

describe('npm run start:cluster', () => {
  it('is refused with one clear line without DATABASE_URL (the embedded database serves one process)', async () => {
    const { code, stderr } = await runCluster({ DATABASE_URL: '' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'))).toEqual([CLUSTER_NEEDS_DATABASE_URL]);
  });

  if (onPostgres) {
    it('forks WEB_CONCURRENCY workers that share one port, and stops them on SIGTERM', async () => {
      const t = await createTestContext({ seed: false });
      try {
        const port = await freePort();
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: t.url!, APP_SECRET: t.config.appSecret!, PORT: String(port), WEB_CONCURRENCY: '2', SCHEDULER: 'false' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (c) => (out += String(c)));
        const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
        await waitFor('two workers listening', async () => (out.match(/listening on/g)?.length ?? 0) >= 2, 60_000);
        expect(out).toContain('"workers":2');
        for (let i = 0; i < 10; i++) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        await t.close();
      }
    }, 90_000);
  }
});

if (onPostgres) describe('three instances against one database', () => {
  let t: TestContext;
  let fake: FakeResend;
  const instances: Instance[] = [];

  beforeAll(async () => {
    // The instances read the real clock: seed the world at "now".
    t = await createTestContext({ now: new Date().toISOString() });
    fake = await startFakeResend();
    const env = {
      DATABASE_URL: t.url!,
      APP_SECRET: t.config.appSecret!,
      RESEND_API_KEY: 're_test_cluster',
      RESEND_BASE_URL: fake.url,
      DATABASE_POOL_SIZE: '4',
    };
    instances.push(...(await Promise.all([startInstance(env), startInstance(env), startInstance(env)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await fake?.close();
    await t?.close();
  });

  it('accepts a session made on one instance on every other', async () => {
    const [a, b, c] = instances;
    const res = await postForm(a.origin, '/login', { email: 'admin@riverside.example', password: 'strata-demo-1' });
    expect(res.status).toBe(303);
    const cookie = sessionCookieFrom(res)!;
    expect(cookie).toBeTruthy();
    for (const other of [b, c]) {
      const page = await fetch(`${other.origin}/dashboard`, { headers: { Cookie: cookie }, redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Adam Alvarez');
    }
    // Signing out on one ends the session everywhere.
    const html = await (await fetch(`${b.origin}/dashboard`, { headers: { Cookie: cookie } })).text();
    const csrf = html.match(/name="_csrf" value="([^"]+)"/)![1];
    expect((await postForm(b.origin, '/logout', { _csrf: csrf }, cookie)).status).toBe(303);
    const after = await fetch(`${c.origin}/dashboard`, { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/login/);
  });

  it('counts failed sign-ins across instances', async () => {
    const email = 'frontdesk@riverside.example';
    for (let i = 0; i < 5; i++) {
      const res = await postForm(instances[i % 3].origin, '/login', { email, password: `wrong-${i}` });
      expect(res.status === 422 || res.status === 429).toBe(true);
    }
    // The right password, on the instance that saw the fewest failures, is refused while the block lasts.
    const blocked = await postForm(instances[2].origin, '/login', { email, password: 'strata-demo-1' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
  });

  it('sends each queued message exactly once although every instance runs the dispatcher', async () => {
    const riverside = await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
    const now = new Date();
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 150; i++) {
        await enqueueMessage(trx, now, {
          practiceId: riverside.id,
          kind: 'cluster_probe',
          channel: 'email',
          recipient: `probe${i}@example.test`,
          subject: 'Probe',
          body: `Probe ${i}`,
          dedupeKey: `cluster-probe-${i}`,
        });
      }
    });
    await waitFor('the outbox to drain', async () => {
      const left = await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'cluster_probe').where('status', 'in', ['queued', 'sending']).execute();
      return left.length === 0;
    }, 60_000, 250);
    const probes = fake.accepted.filter((a) => a.key.startsWith('cluster-probe-'));
    expect(probes).toHaveLength(150);
    expect(duplicateKeys(fake)).toEqual([]);
    const rows = await t.db.selectFrom('outbox_messages').select(['status', 'attempts', 'leased_by']).where('kind', '=', 'cluster_probe').execute();
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    // Work was shared: more than one process ran a dispatch pass that handled rows.
    const handledBy = instances.filter((i) => i.output.some((l) => l.includes('"job":"outbox-dispatch"') && /"rows":[1-9]/.test(l)));
    expect(handledBy.length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

function runCluster(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}
