import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPGlite } from '../src/db/database.ts';
import pg from 'pg';
import { withDatabase } from './support/template.ts';
import { openPostgres } from '../src/db/database.ts';

// Start-up as a newcomer gets it: the real server process on an empty database.

const root = path.resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; ms: number; port: number }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
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

describe('start-up', () => {
  it('with an empty data folder: migrates, seeds the demo once, answers /readyz; a restart does not duplicate', async () => {
    if (process.env.DATABASE_URL) {
      const name = `strata_start_${process.pid}`;
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${name}`);
      await admin.query(`create database ${name}`);
      const url = withDatabase(process.env.DATABASE_URL, name);
      const env = { DATABASE_URL: url, APP_SECRET: 'a-test-secret-that-is-long-enough-1234', DEMO: 'true' };
      const first = await startServer(env);
      expect(await signInWorks(first.port)).toBe(true);
      expect(await stop(first.child)).toBe(0);
      const second = await startServer(env);
      expect(await stop(second.child)).toBe(0);
      const check = await openPostgres(url, 1);
      const practices = await check.db.selectFrom('practices').select('name').execute();
      expect(practices.map((p) => p.name).sort()).toEqual(['Riverside Physical Therapy', 'Summit Sports Rehab']);
      await check.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
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
      await check.close();
      console.log(`start-up on PGlite: empty data folder ${first.ms} ms, existing ${second.ms} ms`);
    } finally {
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
