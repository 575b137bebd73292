import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import { testConfig, type Config } from '../../src/config.ts';
import { ManualClock } from '../../src/clock.ts';
import { createLogger } from '../../src/logger.ts';
import { createApp } from '../../src/app.tsx';
import { seedDemo } from '../../src/demo/seed.ts';
import { createSession } from '../../src/auth/sessions.ts';
import { csrfTokenFor } from '../../src/web/csrf.ts';
import { SESSION_COOKIE } from '../../src/auth/sessions.ts';
import type { AppDeps, AppEnv } from '../../src/web/types.ts';
import { openTestDatabase } from './db.ts';

export const TEST_ORIGIN = 'http://localhost:3000';

export type TestContext = Awaited<ReturnType<typeof createTestContext>>;

/**
 * One test file's world: a fresh migrated database (PGlite or the real server, by DATABASE_URL),
 * the demo data unless asked not to, a ManualClock, the app, and captured logs.
 */
export async function createTestContext(options: { seed?: boolean; now?: string; config?: Record<string, string>; runNowWaitMs?: number } = {}) {
  const opened = await openTestDatabase();
  const clock = new ManualClock(options.now ?? '2026-11-23T15:00:00Z');
  const config: Config = testConfig({ LOG_LEVEL: 'info', ...options.config });
  const logLines: string[] = [];
  const logger = createLogger(config, new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }));
  if (options.seed !== false) await seedDemo(opened.db, clock.now());
  const deps: AppDeps = { db: opened.db, dialect: opened.dialect, poolStats: opened.poolStats, clock, config, logger, runNowWaitMs: options.runNowWaitMs };
  const app = createApp(deps);
  const db = opened.db;

  async function userId(email: string): Promise<number> {
    const row = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    return row.id;
  }

  async function practiceId(name: string): Promise<number> {
    const row = await db.selectFrom('practices').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    return row.id;
  }

  /** A signed-in client for the user with this email (a session made directly, as sign-in would). */
  async function as(email: string): Promise<Client> {
    const { token, session } = await createSession(db, clock.now(), { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs }, await userId(email));
    return new Client(app, `${SESSION_COOKIE}=${token}`, csrfTokenFor(config.appSecret!, session.id));
  }

  return {
    db,
    dialect: opened.dialect,
    url: (opened as { url?: string }).url,
    clock,
    config,
    deps,
    app,
    logLines,
    userId,
    practiceId,
    as,
    anonymous: () => new Client(app),
    close: () => opened.close(),
  };
}

export type TestResponse = { status: number; headers: Headers; text: string; location: string | null };

/** A browser-like client over app.request: cookies, the Origin header, the CSRF token on posts. */
export class Client {
  constructor(
    readonly app: Hono<AppEnv>,
    public cookie?: string,
    readonly csrf?: string,
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<TestResponse> {
    return this.send(path, { method: 'GET', headers });
  }

  /** Posts a form (urlencoded, or multipart when given FormData); adds _csrf unless told not to. */
  async post(path: string, form: Record<string, string | string[]> | FormData = {}, opts: { csrf?: boolean; headers?: Record<string, string>; method?: string } = {}): Promise<TestResponse> {
    const withCsrf = opts.csrf !== false && this.csrf;
    let body: BodyInit;
    const headers: Record<string, string> = { ...opts.headers };
    if (form instanceof FormData) {
      if (withCsrf) form.set('_csrf', this.csrf!);
      body = form;
    } else {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
      if (withCsrf) params.set('_csrf', this.csrf!);
      body = params;
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    return this.send(path, { method: opts.method ?? 'POST', headers, body });
  }

  async send(path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> }): Promise<TestResponse> {
    const headers: Record<string, string> = { Origin: TEST_ORIGIN, ...init.headers };
    if (this.cookie) headers.Cookie = this.cookie;
    const res = await this.app.request(`${TEST_ORIGIN}${path}`, { ...init, headers });
    const setCookie = res.headers.get('set-cookie');
    const match = setCookie?.match(new RegExp(`${SESSION_COOKIE}=([^;]*)`));
    if (match) this.cookie = match[1] ? `${SESSION_COOKIE}=${match[1]}` : undefined;
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') };
  }
}
