import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { capturedTransport, resendTransport, type Transports } from '../../src/messaging/transports.ts';
import { duplicateKeys, startFakeResend, type FakeResend } from '../cluster/fake-resend.ts';

// The email provider answers 500 for a while, then stops answering (timeouts), then recovers:
// nothing is lost, nothing is sent twice, and the backlog drains on the next passes.

let t: TestContext;
let fake: FakeResend;
let transports: Transports;
/** Short timeouts for the phase where the provider hangs. */
let impatient: Transports;
const N = 40;

// Each test starts from its own database with N fresh queued emails and a fake provider that answers:
// none depends on the phase another test left behind.
beforeEach(async () => {
  t = await createTestContext();
  fake = await startFakeResend();
  const email = (timeoutMs: number) => resendTransport({ apiKey: 're_fault', baseUrl: fake.url, from: 'StrataPT <no-reply@stratapt.example>', timeoutMs });
  transports = { email: email(10_000), sms: capturedTransport };
  impatient = { email: email(250), sms: capturedTransport };
  const riverside = await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
  for (let i = 0; i < N; i++) {
    await enqueueMessage(t.db, t.clock.now(), { practiceId: riverside.id, kind: 'fault_probe', channel: 'email', recipient: `fault${i}@example.test`, subject: 'Probe', body: 'Probe', dedupeKey: `fault-${i}` });
  }
});
afterEach(async () => {
  await fake.close();
  await t.close();
});

const statusCounts = async () => {
  const rows = await t.db.selectFrom('outbox_messages').select(['status', 'attempts', 'last_error']).where('kind', '=', 'fault_probe').execute();
  return rows;
};

describe('provider outage', () => {
  it('keeps every message queued with a growing backoff while the provider answers 500', async () => {
    fake.mode = 'error500';
    await drainOutbox(t.db, t.clock.now(), transports);
    const rows = await statusCounts();
    expect(rows).toHaveLength(N);
    expect(rows.filter((r) => !(r.status === 'queued' && r.attempts === 1 && /500/.test(r.last_error ?? '')))).toEqual([]);
    // Nothing is due again at once: a second pass right away sends nothing.
    const before = fake.requests();
    await drainOutbox(t.db, t.clock.now(), transports);
    expect(fake.requests()).toBe(before);
  });

  it('treats timeouts the same way', async () => {
    fake.mode = 'hang';
    await drainOutbox(t.db, t.clock.now(), impatient);
    const rows = await statusCounts();
    expect(rows).toHaveLength(N);
    expect(rows.filter((r) => !(r.status === 'queued' && r.attempts === 1 && /timeout/i.test(r.last_error ?? '')))).toEqual([]);
    expect(fake.accepted).toHaveLength(0);
  });

  it('drains the backlog once the provider is back after errors and timeouts, each message exactly once', async () => {
    fake.mode = 'error500';
    await drainOutbox(t.db, t.clock.now(), transports);
    fake.mode = 'hang';
    t.clock.advanceHours(1);
    await drainOutbox(t.db, t.clock.now(), impatient);
    fake.mode = 'ok';
    t.clock.advanceHours(1);
    await drainOutbox(t.db, t.clock.now(), transports);
    const rows = await statusCounts();
    expect(rows).toHaveLength(N);
    expect(rows.filter((r) => !(r.status === 'sent' && r.attempts === 3 && r.last_error === null))).toEqual([]);
    expect(new Set(fake.accepted.filter((a) => a.key.startsWith('fault-')).map((a) => a.key)).size).toBe(N);
    expect(duplicateKeys(fake)).toEqual([]);
    expect(fake.repeats).toEqual([]);
  });
});
