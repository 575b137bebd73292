import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { FakeResend } from '../support/fake-resend.ts';
import { openPostgres, type Database } from '../../src/db/database.ts';
import { claimDueMessages, dispatchDue, type DispatchResult } from '../../src/messaging/dispatcher.ts';
import { capturedTransport, resendTransport, type Transports } from '../../src/messaging/transports.ts';

// Exactly once: several dispatchers with their own connection pools drain one outbox, and a
// dispatcher that dies mid-batch leaves nothing unsent and nothing sent twice. PGlite has one
// connection, so the parts that need separate pools or a child process run on PostgreSQL only;
// on PGlite the same guarantees are checked with concurrent dispatch calls and a simulated crash.

let t: TestContext;
let resend: FakeResend;
let transports: Transports;
let practiceId: number;

beforeAll(async () => {
  resend = await FakeResend.start();
  t = await createTestContext({ seed: false });
  transports = { email: resendTransport({ apiKey: resend.apiKey, baseUrl: resend.url, from: 'test@example.com' }), sms: capturedTransport };
  practiceId = (await sql<{ id: number }>`insert into practices (name, phone, time_zone, go_live_on) values ('Bulk PT', '(555) 010-9000', 'America/Chicago', '2026-01-01') returning id`.execute(t.db)).rows[0]!.id;
});
afterAll(async () => {
  await t.close();
  await resend.close();
});

/** n queued emails, due at `due`, in one statement. */
async function queueBulk(db: Database, n: number, tag: string, due: Date) {
  await sql`
    insert into outbox_messages (practice_id, kind, channel, recipient, subject, body, dedupe_key, next_attempt_at, created_at, updated_at)
    select ${practiceId}, 'bulk_test', 'email', 'bulk' || g || '@example.com', 'Hello', 'Body ' || g, ${tag} || ':' || g, ${due}, ${due}, ${due}
      from generate_series(1, ${n}) g`.execute(db);
}

async function drain(db: Database, now: Date, workerId: string, leaseMs = 120_000) {
  const total: DispatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, cancelled: 0, deferred: 0 };
  for (;;) {
    const r = await dispatchDue(db, now, transports, { batch: 100, workerId, concurrency: 8, leaseMs });
    for (const k of Object.keys(total) as (keyof DispatchResult)[]) total[k] += r[k];
    if (r.claimed === 0) return total;
  }
}

function keysFor(tag: string) {
  return [...resend.perKey.entries()].filter(([k]) => k.startsWith(tag + ':'));
}

describe('exactly once', () => {
  it('three dispatchers with separate pools drain 5,000 messages, each reaching the provider once (one dispatcher on PGlite)', async () => {
    const now = t.clock.now();
    const n = t.dialect === 'pg' ? 5000 : 400;
    await queueBulk(t.db, n, 'three', now);
    let results: DispatchResult[];
    if (t.dialect === 'pg') {
      const pools = await Promise.all([1, 2, 3].map(() => openPostgres(t.url!, 4)));
      try {
        results = await Promise.all(pools.map((p, i) => drain(p.db, now, `pool-${i}`)));
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
      // Each dispatcher took part.
      expect(results).toHaveLength(pools.length);
      expect(results.filter((r) => !(r.sent > 0))).toEqual([]);
    } else {
      // Two passes racing on one connection still claim disjoint rows.
      results = await Promise.all([drain(t.db, now, 'a'), drain(t.db, now, 'b')]);
    }
    expect(results.reduce((s, r) => s + r.sent, 0)).toBe(n);
    const keys = keysFor('three');
    expect(keys.length).toBe(n);
    expect(keys.filter(([, count]) => count !== 1)).toEqual([]);
    const statuses = await sql<{ status: string; n: number }>`select status, count(*)::int as n from outbox_messages where dedupe_key like 'three:%' group by status`.execute(t.db);
    expect(statuses.rows).toEqual([{ status: 'sent', n }]);
  }, 180_000);

  it('a dispatcher that dies mid-batch: after its lease expires every message is sent, none delivered twice (simulated crash)', async () => {
    const now = t.clock.now();
    await queueBulk(t.db, 60, 'crash', now);
    // The dead worker claimed 25 rows and never recorded a result; it had already reached the provider for 10.
    const claimed = await claimDueMessages(t.db, now, { batch: 25, leaseMs: 30_000, workerId: 'dead' });
    expect(claimed.length).toBe(25);
    for (const m of claimed.slice(0, 10)) await transports.email.send({ id: m.id, channel: 'email', recipient: m.recipient, subject: m.subject, body: m.body!, html: null, headers: {}, dedupeKey: m.dedupe_key });

    const early = await drain(t.db, now, 'alive');
    expect(early.sent).toBe(35);
    expect((await sql<{ n: number }>`select count(*)::int as n from outbox_messages where dedupe_key like 'crash:%' and status = 'sending'`.execute(t.db)).rows[0]!.n).toBe(25);

    const later = new Date(now.getTime() + 31_000);
    const after = await drain(t.db, later, 'alive');
    expect(after.sent).toBe(25);
    const emails = resend.emails.filter((e) => e.idempotencyKey?.startsWith('crash:'));
    expect(emails.length).toBe(60);
    expect(new Set(emails.map((e) => e.idempotencyKey)).size).toBe(60);
    const resent = keysFor('crash').filter(([, c]) => c === 2).length;
    expect(resent).toBe(10);
    const rows = await t.db.selectFrom('outbox_messages').select(['status', 'attempts']).where('dedupe_key', 'like', 'crash:%').execute();
    expect(rows).toHaveLength(60);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  });

  it('kill -9 of a child-process dispatcher mid-batch: after lease expiry all are sent, none twice (lease hand-over on PGlite)', async () => {
    if (t.dialect === 'pglite') {
      // A child process cannot open the embedded database: check the hand-over the test relies on.
      const now = t.clock.now();
      await queueBulk(t.db, 5, 'lease', now);
      expect((await claimDueMessages(t.db, now, { batch: 5, leaseMs: 10_000, workerId: 'holder' })).length).toBe(5);
      expect((await claimDueMessages(t.db, new Date(now.getTime() + 9_999), { batch: 5, leaseMs: 10_000, workerId: 'other' })).length).toBe(0);
      const taken = await claimDueMessages(t.db, new Date(now.getTime() + 10_000), { batch: 5, leaseMs: 10_000, workerId: 'other' });
      expect(taken.map((m) => [m.leased_by, m.attempts])).toEqual(Array(5).fill(['other', 2]));
      return;
    }
    const due = new Date(Date.now() - 60_000);
    const n = 400;
    await queueBulk(t.db, n, 'kill', due);
    resend.delayMs = 15;
    const leaseMs = 3_000;
    const child = spawn('npx', ['tsx', 'test/messaging/dispatch-child.ts', t.url!, resend.url, resend.apiKey, String(leaseMs)], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    // npx starts tsx, which starts node: kill -9 the whole process group this test started.
    const killChild = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    };
    try {
      await new Promise<void>((resolve, reject) => {
        const start = resend.requests;
        const timer = setInterval(() => {
          if (resend.requests - start >= 60) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
        child.once('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`child exited early with ${code}`)));
      });
      const exited = new Promise((r) => child.once('exit', r));
      killChild();
      await exited;
    } finally {
      killChild();
      resend.delayMs = 0;
    }
    const inFlight = (await sql<{ n: number }>`select count(*)::int as n from outbox_messages where dedupe_key like 'kill:%' and status = 'sending'`.execute(t.db)).rows[0]!.n;
    expect(inFlight).toBeGreaterThan(0);

    await drain(t.db, new Date(Date.now() + leaseMs + 1_000), 'survivor');
    const rows = await sql<{ status: string; n: number }>`select status, count(*)::int as n from outbox_messages where dedupe_key like 'kill:%' group by status`.execute(t.db);
    expect(rows.rows).toEqual([{ status: 'sent', n }]);
    const emails = resend.emails.filter((e) => e.idempotencyKey?.startsWith('kill:'));
    expect(emails.length).toBe(n);
    expect(new Set(emails.map((e) => e.idempotencyKey)).size).toBe(n);
  }, 120_000);
});
