import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPGlite, type Database } from '../src/db/database.ts';
import pg from 'pg';
import { withDatabase } from './support/template.ts';
import { openPostgres } from '../src/db/database.ts';
import { databaseUrlFromEnv } from '../src/config.ts';
import { freePort } from './support/free-port.ts';

// Start-up as a newcomer gets it: the real server process on an empty database.

const root = path.resolve(import.meta.dirname, '..');
/** The test server, when the suite runs on PostgreSQL. */
const serverUrl = databaseUrlFromEnv();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function startServer(env: Record<string, string>, args = ['--import', 'tsx', 'src/server.ts']): Promise<{ child: ChildProcess; ms: number; port: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: 'warn', SCHEDULER: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (performance.now() - started > 60_000) throw new Error(`server did not become ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, ms: Math.round(performance.now() - started), port };
}

/** A new empty database on the test server, and a way to drop it. */
async function scratchDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  return {
    url: withDatabase(serverUrl!, name),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function signInWorks(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: `http://127.0.0.1:${port}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: 'owner@riverside.example', password: 'strata-demo-1' }),
  });
  return res.status === 303 && (res.headers.get('set-cookie') ?? '').includes('strata_session=');
}

/** Heartbeat rows the web instances wrote (each start writes one before it listens). */
async function webHeartbeats(db: Database): Promise<number> {
  const row = await db.selectFrom('instance_heartbeats').select((eb) => eb.fn.countAll<string>().as('n')).where('role', '=', 'web').executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * One request on a raw keep-alive connection, then no more: whether the server still holds the connection
 * open `waitMs` after the answer, and when (ms after the answer) it closed it.
 */
async function idleConnectionLifetime(port: number, waitMs: number): Promise<{ openAfterWait: boolean; closedAfterMs: number }> {
  const socket = net.connect(port, '127.0.0.1');
  let answeredAt = 0;
  let closedAt = 0;
  let received = '';
  const answered = new Promise<void>((resolve) =>
    socket.on('data', (d) => {
      received += d;
      if (!answeredAt && received.includes('\r\n\r\n')) {
        answeredAt = performance.now();
        resolve();
      }
    }),
  );
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((closedAt = performance.now()), resolve())));
  socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
  await answered;
  expect(received).toMatch(/^HTTP\/1\.1 200/);
  await new Promise((r) => setTimeout(r, waitMs));
  const openAfterWait = !closedAt;
  await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
  socket.destroy();
  return { openAfterWait, closedAfterMs: closedAt ? closedAt - answeredAt : Infinity };
}

describe('start-up', () => {
  it('with an empty data folder: migrates, seeds the demo once, answers /readyz; a restart does not duplicate', async () => {
    if (serverUrl) {
      const scratch = await scratchDatabase(`strata_start_${process.pid}`);
      const url = scratch.url;
      const env = { DATABASE_URL: url, APP_SECRET: 'a-test-secret-that-is-long-enough-1234', DEMO: 'true' };
      const first = await startServer(env);
      expect(await signInWorks(first.port)).toBe(true);
      expect(await stop(first.child)).toBe(0);
      const second = await startServer(env);
      expect(await stop(second.child)).toBe(0);
      const check = await openPostgres(url, 1);
      const practices = await check.db.selectFrom('practices').select('name').execute();
      expect(practices.map((p) => p.name).sort()).toEqual(['Riverside Physical Therapy', 'Summit Sports Rehab']);
      // Each start wrote its heartbeat before it answered /readyz, not 10 s later: the Jobs page lists it at once.
      expect(await webHeartbeats(check.db)).toBeGreaterThanOrEqual(2);
      await check.close();
      await scratch.drop();
      console.log(`start-up on PostgreSQL: empty database ${first.ms} ms, existing ${second.ms} ms`);
      return;
    }
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'strata-start-'));
    try {
      const first = await startServer({ DATA_DIR: dataDir });
      expect(await signInWorks(first.port)).toBe(true);
      expect(await stop(first.child)).toBe(0);
      const second = await startServer({ DATA_DIR: dataDir });
      expect(await signInWorks(second.port)).toBe(true);
      expect(await stop(second.child)).toBe(0);
      const check = await openPGlite({ dataDir: path.join(dataDir, 'pglite') });
      const practices = await check.db.selectFrom('practices').select('name').execute();
      const users = await check.db.selectFrom('users').select('email').execute();
      expect(practices.map((p) => p.name).sort()).toEqual(['Riverside Physical Therapy', 'Summit Sports Rehab']);
      expect(users.filter((u) => u.email === 'owner@riverside.example')).toHaveLength(1);
      expect(await webHeartbeats(check.db)).toBeGreaterThanOrEqual(2);
      await check.close();
      console.log(`start-up on PGlite: empty data folder ${first.ms} ms, existing ${second.ms} ms`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs as production does: npm run build, then the start:prod command on the bundle', async () => {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const [command, ...args] = pkg.scripts['start:prod'].split(' ');
    expect(command).toBe('node');
    expect(args).toContain('dist/server.js');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'strata-prod-'));
    const scratch = serverUrl ? await scratchDatabase(`strata_prod_${process.pid}`) : null;
    try {
      const env: Record<string, string> = scratch
        ? { DATABASE_URL: scratch.url, APP_SECRET: 'a-test-secret-that-is-long-enough-1234', DEMO: 'true', NODE_ENV: 'production' }
        : { DATA_DIR: dataDir, NODE_ENV: 'production' };
      const server = await startServer({ ...env, KEEP_ALIVE_SECONDS: '7' }, args);
      // Migrations, demo data, views and static files all come through the bundle.
      expect(await signInWorks(server.port)).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.port}/static/app.css`)).status).toBe(200);
      // An idle keep-alive connection outlives Node's default 5 s (a load balancer reuses it) and is closed
      // at KEEP_ALIVE_SECONDS.
      const idle = await idleConnectionLifetime(server.port, 6_000);
      expect(idle.openAfterWait).toBe(true);
      expect(idle.closedAfterMs).toBeGreaterThanOrEqual(6_500);
      expect(idle.closedAfterMs).toBeLessThan(12_000);
      expect(await stop(server.child)).toBe(0);
    } finally {
      await scratch?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('stops with one clear line when a setting is malformed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(err.trim()).toBe('Configuration error: Invalid setting PORT: Invalid input: expected number, received NaN');
  }, 60_000);
});
