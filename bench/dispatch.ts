// npx tsx bench/dispatch.ts --messages 100000 --instances 1|3 [--batch 200] [--concurrency 16]
//
// Dispatch throughput to a local fake provider (Resend's API: POST /emails, honours Idempotency-Key):
// creates a scratch database on the DATABASE_URL server, migrates it, queues N emails with
// generate_series, starts K dispatcher processes (each its own connection pool, claiming with
// FOR UPDATE SKIP LOCKED), and measures messages/s from the first send to the last row recorded.
// Checks every message reached the provider exactly once, then drops the scratch database.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { openPostgres } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { dispatchDue } from '../src/messaging/dispatcher.ts';
import { capturedTransport, resendTransport } from '../src/messaging/transports.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    instances: { type: 'string', default: '1' },
    batch: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    worker: { type: 'string' },
    provider: { type: 'string' },
  },
});
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const API_KEY = 're_bench';

if (args.worker) await runWorker(args.worker, args.provider!);
else await main();

async function main() {
  const n = Number(args.messages);
  const instances = Number(args.instances);
  const dbName = `strata_dispatch_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = withDatabase(baseUrl, dbName);
  const provider = await startFakeProvider();
  try {
    const { db, close } = await openPostgres(url, 2);
    await migrateToLatest(db);
    const practice = (await sql<{ id: number }>`insert into practices (name, phone, time_zone, go_live_on) values ('Bench PT', '(555) 010-0000', 'America/Chicago', '2026-01-01') returning id`.execute(db)).rows[0]!.id;
    const due = new Date(Date.now() - 60_000);
    const t0 = performance.now();
    await sql`insert into outbox_messages (practice_id, kind, channel, recipient, subject, body, dedupe_key, next_attempt_at, created_at, updated_at)
      select ${practice}, 'bench', 'email', 'p' || g || '@example.com', 'Hello', 'A message is waiting: https://example.com/portal/' || g, 'bench:' || g, ${due}, ${due}, ${due}
        from generate_series(1, ${n}) g`.execute(db);
    console.log(`queued ${n} messages in ${Math.round(performance.now() - t0)} ms`);
    await sql`analyze outbox_messages`.execute(db);

    const children = Array.from({ length: instances }, (_, i) =>
      spawn('npx', ['tsx', path.join(import.meta.dirname, 'dispatch.ts'), '--worker', url, '--provider', provider.url, '--batch', args.batch!, '--concurrency', args.concurrency!], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, BENCH_INSTANCE: String(i) } }),
    );
    const exits = children.map((c) => new Promise((r) => c.on('exit', r)));
    // Time from the first send to the last row recorded as sent (process start-up excluded).
    while (provider.requests === 0) await sleep(5);
    const start = performance.now();
    for (;;) {
      const left = (await sql<{ n: number }>`select count(*)::int as n from outbox_messages where status <> 'sent'`.execute(db)).rows[0]!.n;
      if (left === 0) break;
      await sleep(50);
    }
    const seconds = (performance.now() - start) / 1000;
    await Promise.all(exits);
    const twice = [...provider.perKey.values()].filter((c) => c > 1).length;
    console.log(JSON.stringify({ messages: n, instances, batch: Number(args.batch), concurrency: Number(args.concurrency), seconds: Number(seconds.toFixed(2)), messagesPerSecond: Math.round(n / seconds), providerRequests: provider.requests, uniqueEmails: provider.perKey.size, keysSentTwice: twice }));
    if (provider.perKey.size !== n || twice > 0) process.exitCode = 1;
    await close();
  } finally {
    provider.server.closeAllConnections();
    provider.server.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

async function runWorker(url: string, providerUrl: string) {
  const { db, close } = await openPostgres(url, 4);
  const transports = { email: resendTransport({ apiKey: API_KEY, baseUrl: providerUrl, from: 'bench@example.com' }), sms: capturedTransport };
  const workerId = `bench-${process.env.BENCH_INSTANCE}-${process.pid}`;
  let sent = 0;
  for (let idle = 0; idle < 3; ) {
    const r = await dispatchDue(db, new Date(), transports, { batch: Number(args.batch), concurrency: Number(args.concurrency), workerId });
    sent += r.sent;
    if (r.claimed === 0) {
      idle++;
      await sleep(100);
    } else idle = 0;
  }
  console.log(`instance ${process.env.BENCH_INSTANCE}: sent ${sent}`);
  await close();
}

/** Resend's POST /emails: returns {id}; a repeated Idempotency-Key gets the first id. */
async function startFakeProvider() {
  const perKey = new Map<string, number>();
  const ids = new Map<string, string>();
  const state = { requests: 0, perKey, url: '', server: createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const key = String(req.headers['idempotency-key'] ?? randomUUID());
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      if (!ids.has(key)) ids.set(key, randomUUID());
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: ids.get(key) }));
    });
  }) };
  state.server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

function withDatabase(url: string, database: string) {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
