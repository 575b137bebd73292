import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppDeps, AppEnv } from './types.ts';

// What operators scrape: one registry per process (prom-client), exposed at GET /metrics behind
// METRICS_TOKEN. Under start:cluster each instance answers for itself (the scraper sees the
// instance it reached; scrape each instance's port, or label them by target).

export const registry = new Registry();
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by matched route pattern (never the raw path), method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const jobRunDuration = new Histogram({
  name: 'job_run_duration_seconds',
  help: 'Duration of scheduled job runs by job and outcome (ok or error)',
  labelNames: ['job', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300],
  registers: [registry],
});

export const jobRuns = new Counter({
  name: 'job_runs_total',
  help: 'Scheduled job runs by job and outcome (ok or error)',
  labelNames: ['job', 'outcome'] as const,
  registers: [registry],
});

export const importRows = new Counter({
  name: 'import_rows_total',
  help: 'CSV import rows handled by this instance, by phase (checked, saved)',
  labelNames: ['kind', 'phase'] as const,
  registers: [registry],
});

export const importRowsPerSecond = new Gauge({
  name: 'import_rows_per_second',
  help: 'Rows per second of the last import batch this instance handled, by phase (checked, saved)',
  labelNames: ['kind', 'phase'] as const,
  registers: [registry],
});

const outboxDepth = new Gauge({
  name: 'outbox_depth',
  help: 'Outbox messages waiting to be sent (queued) or being sent (sending), by channel; read at scrape time',
  labelNames: ['status', 'channel'] as const,
  registers: [registry],
});

const dbPoolInUse = new Gauge({ name: 'db_pool_in_use', help: 'Database connections checked out of the pool (PGlite: 0, it has no pool)', labelNames: ['dialect'] as const, registers: [registry] });
const dbPoolWaiting = new Gauge({ name: 'db_pool_waiting', help: 'Queries waiting for a pooled connection (PGlite: 0, its queries queue inside the one embedded database)', labelNames: ['dialect'] as const, registers: [registry] });
const dbPoolSize = new Gauge({ name: 'db_pool_size', help: 'Database connections open (PGlite: 1, the embedded database)', labelNames: ['dialect'] as const, registers: [registry] });

/** Records each request's duration under the route pattern Hono matched (unmatched paths: "/*"). */
export const httpMetrics = createMiddleware<AppEnv>(async (c, next) => {
  const end = httpDuration.startTimer();
  try {
    await next();
  } finally {
    end({ method: c.req.method, route: c.req.routePath || 'unmatched', status: String(c.res.status) });
  }
});

/** Same length, constant time: a wrong token answers exactly like no token. */
function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

const STATUSES = ['queued', 'sending'] as const;
const CHANNELS = ['email', 'sms'] as const;

export function metricsRoutes({ config, db, dialect, poolStats }: Pick<AppDeps, 'config' | 'db' | 'dialect' | 'poolStats'>) {
  const app = new Hono<AppEnv>();
  app.get('/metrics', async (c) => {
    const token = config.metricsToken;
    const auth = c.req.header('Authorization');
    const presented = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (!token || !tokenMatches(token, presented)) return c.text('Not found', 404);

    // The outbox's partial index covers exactly these rows, so the count stays cheap.
    const depth = await db
      .selectFrom('outbox_messages')
      .select(['status', 'channel', sql<number>`count(*)::int`.as('n')])
      .where('status', 'in', [...STATUSES])
      .groupBy(['status', 'channel'])
      .execute();
    for (const s of STATUSES) for (const ch of CHANNELS) outboxDepth.set({ status: s, channel: ch }, depth.find((d) => d.status === s && d.channel === ch)?.n ?? 0);

    const pool = poolStats?.() ?? { size: 1, inUse: 0, waiting: 0 };
    dbPoolSize.set({ dialect }, pool.size);
    dbPoolInUse.set({ dialect }, pool.inUse);
    dbPoolWaiting.set({ dialect }, pool.waiting);

    c.header('Content-Type', registry.contentType);
    c.header('Cache-Control', 'no-store');
    return c.body(await registry.metrics());
  });
  return app;
}
