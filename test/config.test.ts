import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../src/config.ts';
import { withSchedules } from '../src/jobs/scheduler.ts';
import { jobs } from '../src/jobs/index.ts';

describe('config', () => {
  it('defaults to the embedded database with demo data', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.demo).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.sessionIdleMs).toBe(30 * 60_000);
  });
  it('requires APP_SECRET with DATABASE_URL, naming it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@localhost/db' })).toThrow(/APP_SECRET/);
  });
  it('names a malformed setting in one line', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/^Invalid setting PORT/);
    expect(() => loadConfig({ PUBLIC_URL: 'not a url' })).toThrow(/PUBLIC_URL/);
  });
  it('keeps idle connections open 65 s by default, above a load balancer\'s 60 (KEEP_ALIVE_SECONDS)', () => {
    expect(loadConfig({}).keepAliveMs).toBe(65_000);
    expect(loadConfig({ KEEP_ALIVE_SECONDS: '620' }).keepAliveMs).toBe(620_000);
    expect(() => loadConfig({ KEEP_ALIVE_SECONDS: '0' })).toThrow(/^Invalid setting KEEP_ALIVE_SECONDS/);
  });
  it('turns demo data off by default with a real server', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db', APP_SECRET: 'x'.repeat(40) }).demo).toBe(false);
  });
  it('hands jobs to jobs processes only with a database server to share (JOBS_PROCESS)', () => {
    expect(loadConfig({}).jobsProcess).toBe(false);
    expect(() => loadConfig({ JOBS_PROCESS: 'true' })).toThrow(/^Invalid setting JOBS_PROCESS: it needs DATABASE_URL/);
    expect(loadConfig({ JOBS_PROCESS: 'true', DATABASE_URL: 'postgres://x@localhost/db', APP_SECRET: 'x'.repeat(40) }).jobsProcess).toBe(true);
  });
  it('overrides job schedules by name, and refuses an unknown job or a bad pattern at start', () => {
    const c = loadConfig({ JOB_SCHEDULES: 'balance-alerts=0 */15 * * * *; statements=0 0 6 * * *' });
    expect(c.jobSchedules).toEqual({ 'balance-alerts': '0 */15 * * * *', statements: '0 0 6 * * *' });
    const scheduled = withSchedules(jobs, c.jobSchedules);
    expect(scheduled.find((j) => j.name === 'balance-alerts')!.schedule).toBe('0 */15 * * * *');
    expect(scheduled.find((j) => j.name === 'outbox-dispatch')!.schedule).toBe(jobs.find((j) => j.name === 'outbox-dispatch')!.schedule);
    expect(() => loadConfig({ JOB_SCHEDULES: 'balance-alerts' })).toThrow(/^Invalid setting JOB_SCHEDULES/);
    expect(() => withSchedules(jobs, loadConfig({ JOB_SCHEDULES: 'balance-alert=0 * * * * *' }).jobSchedules)).toThrow(/no job is called "balance-alert"/);
    expect(() => withSchedules(jobs, loadConfig({ JOB_SCHEDULES: 'statements=every hour' }).jobSchedules)).toThrow(ConfigError);
  });
});
