import { z } from 'zod';

// The only reader of the environment. Everything else receives a Config.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** How long an idle keep-alive connection stays open: above the load balancer's idle timeout (AWS ALB: 60 s). */
  KEEP_ALIVE_SECONDS: z.coerce.number().int().min(1).max(3600).default(65),
  DATA_DIR: z.string().min(1).default('./data'),
  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  SCHEDULER: bool.default(true),
  /** The scheduled jobs and imports run in jobs processes of their own (npm run start:jobs), not in this one. */
  JOBS_PROCESS: bool.default(false),
  /** Per-job schedule overrides, "name=cron pattern" separated by ";" (croner, with seconds). */
  JOB_SCHEDULES: z
    .string()
    .regex(/^\s*[a-z-]+\s*=[^;=]+(;\s*[a-z-]+\s*=[^;=]+)*;?\s*$/, 'expected "job-name=cron pattern; other-job=cron pattern"')
    .optional(),
  DEMO: bool.optional(),
  /** How many proxies append to X-Forwarded-For in front of the app: a count, or true (one) / false (none). */
  TRUST_PROXY: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => /^(true|false|yes|no|on|off|\d{1,2})$/.test(v), 'expected a number of proxy hops (0-10), true (1) or false (0)')
    .transform((v) => (['true', 'yes', 'on'].includes(v) ? 1 : ['false', 'no', 'off'].includes(v) ? 0 : Number(v)))
    .refine((n) => n <= 10, 'expected a number of proxy hops (0-10)')
    .default(0),
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_BASE_URL: z.string().url().optional(),
  RESEND_WEBHOOK_SECRET: z.string().min(1).optional(),
  EMAIL_FROM: z.string().min(3).default('StrataPT <no-reply@stratapt.example>'),
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM: z.string().min(1).optional(),
  TWILIO_BASE_URL: z.string().url().default('https://api.twilio.com'),
  /** Bearer token for GET /metrics; without it /metrics answers 404. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  AUTHORIZE_NET_ENV: z.enum(['sandbox', 'production']).default('sandbox'),
  AUTHORIZE_NET_API_URL: z.string().url().optional(),
  AUTHORIZE_NET_HOSTED_URL: z.string().url().optional(),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** npm run start:cluster: how many app processes to fork. */
  webConcurrency: number;
  /** KEEP_ALIVE_SECONDS: an idle client connection is closed after this long (src/boot.ts, listen). */
  keepAliveMs: number;
  dataDir: string;
  appSecret: string | undefined;
  publicUrl: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  sessionIdleMs: number;
  sessionMaxMs: number;
  scheduler: boolean;
  /**
   * JOBS_PROCESS: this web instance runs no scheduled job and no import; it hands uploads and Run now to
   * the jobs processes (`npm run start:jobs`) through the database. PostgreSQL only.
   */
  jobsProcess: boolean;
  /** JOB_SCHEDULES: job name → croner pattern, replacing the job's default schedule. */
  jobSchedules: Record<string, string>;
  /** Load demo data on first start. Defaults to on for the embedded database, off with DATABASE_URL. */
  demo: boolean;
  /** TRUST_PROXY: proxy hops whose X-Forwarded-For entries are believed (0: use the socket's address). */
  trustProxy: number;
  resend: { apiKey: string; baseUrl: string | undefined; webhookSecret: string | undefined } | undefined;
  emailFrom: string;
  twilio: { accountSid: string; authToken: string; from: string; baseUrl: string } | undefined;
  authorizeNet: { env: 'sandbox' | 'production'; apiUrl: string; hostedUrl: string };
  /** METRICS_TOKEN: the bearer token Prometheus presents at /metrics; unset, /metrics is 404. */
  metricsToken: string | undefined;
};

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid setting ${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.DATABASE_URL && !e.APP_SECRET) {
    throw new ConfigError('Missing setting APP_SECRET: it is required when DATABASE_URL is set (32+ random characters)');
  }
  if (e.JOBS_PROCESS && !e.DATABASE_URL) {
    throw new ConfigError('Invalid setting JOBS_PROCESS: it needs DATABASE_URL (a jobs process of its own shares the database; the embedded one serves one process)');
  }
  const twilioParts = [e.TWILIO_ACCOUNT_SID, e.TWILIO_AUTH_TOKEN, e.TWILIO_FROM].filter(Boolean).length;
  if (twilioParts > 0 && twilioParts < 3) {
    throw new ConfigError('Incomplete setting TWILIO_*: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM together');
  }
  const sandbox = e.AUTHORIZE_NET_ENV === 'sandbox';
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    webConcurrency: e.WEB_CONCURRENCY,
    keepAliveMs: e.KEEP_ALIVE_SECONDS * 1000,
    dataDir: e.DATA_DIR,
    appSecret: e.APP_SECRET,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: e.SESSION_MAX_HOURS * 3_600_000,
    scheduler: e.SCHEDULER,
    jobsProcess: e.JOBS_PROCESS,
    jobSchedules: parseJobSchedules(e.JOB_SCHEDULES),
    demo: e.DEMO ?? !e.DATABASE_URL,
    trustProxy: e.TRUST_PROXY,
    resend: e.RESEND_API_KEY
      ? { apiKey: e.RESEND_API_KEY, baseUrl: e.RESEND_BASE_URL, webhookSecret: e.RESEND_WEBHOOK_SECRET }
      : undefined,
    emailFrom: e.EMAIL_FROM,
    twilio:
      e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM
        ? { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, from: e.TWILIO_FROM, baseUrl: e.TWILIO_BASE_URL }
        : undefined,
    metricsToken: e.METRICS_TOKEN,
    authorizeNet: {
      env: e.AUTHORIZE_NET_ENV,
      apiUrl: e.AUTHORIZE_NET_API_URL ?? (sandbox ? 'https://apitest.authorize.net/xml/v1/request.api' : 'https://api.authorize.net/xml/v1/request.api'),
      hostedUrl: e.AUTHORIZE_NET_HOSTED_URL ?? (sandbox ? 'https://test.authorize.net/payment/payment' : 'https://accept.authorize.net/payment/payment'),
    },
  };
}

/** A config for tests: the same parser, with test defaults. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: 'http://localhost:3000',
    LOG_LEVEL: 'silent',
    SCHEDULER: 'false',
    DEMO: 'false',
    ...overrides,
  });
}

/** The environment's DATABASE_URL, for test support and tools that choose a database before a Config exists. */
export function databaseUrlFromEnv(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

function parseJobSchedules(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const out: Record<string, string> = {};
  for (const part of raw.split(';')) {
    if (!part.trim()) continue;
    const [name, pattern] = part.split('=');
    out[name.trim()] = pattern.trim();
  }
  return out;
}

function stripEmpty(env: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

/** For command-line tools (migrate, seed) that never sign cookies: APP_SECRET may be absent. */
export function loadToolConfig(): Config {
  return loadConfig({ ...process.env, APP_SECRET: process.env.APP_SECRET || 'x'.repeat(32) });
}
