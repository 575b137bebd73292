import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { FakeResend } from '../support/fake-resend.ts';
import { FakeTwilio } from '../support/fake-twilio.ts';
import { createTransports, type Transports } from '../../src/messaging/transports.ts';
import { dispatchDue } from '../../src/messaging/dispatcher.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';

let t: TestContext;
let resend: FakeResend;
let twilio: FakeTwilio;
let transports: Transports;
let james: number;
let riverside: number;
const JAMES_PHONE = '+15550100104';
const JAMES_EMAIL = 'james.carter@example.com';

beforeAll(async () => {
  resend = await FakeResend.start();
  twilio = await FakeTwilio.start();
  t = await createTestContext({
    config: {
      RESEND_API_KEY: resend.apiKey,
      RESEND_BASE_URL: resend.url,
      RESEND_WEBHOOK_SECRET: resend.webhookSecret,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: twilio.from,
      TWILIO_BASE_URL: twilio.url,
    },
  });
  transports = createTransports(t.config);
  james = (await t.db.selectFrom('patients').select('id').where('account_number', '=', 'R-1004').executeTakeFirstOrThrow()).id;
  riverside = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
  // Only this file's messages: whatever the demo world queued is set aside.
  await t.db.updateTable('outbox_messages').set({ status: 'cancelled', cancel_reason: 'set aside by the test' }).where('status', 'in', ['queued', 'sending']).execute();
});
afterAll(async () => {
  await t.close();
  await resend.close();
  await twilio.close();
});

let seq = 0;
async function queue(channel: 'sms' | 'email', extra: { kind?: string; sendAfter?: Date; recipient?: string } = {}) {
  const id = await enqueueMessage(t.db, t.clock.now(), {
    practiceId: riverside,
    patientId: james,
    kind: extra.kind ?? 'test_notice',
    channel,
    recipient: extra.recipient ?? (channel === 'sms' ? JAMES_PHONE : JAMES_EMAIL),
    subject: channel === 'email' ? 'Riverside Physical Therapy: a message is waiting' : null,
    body: 'Riverside Physical Therapy: a message is waiting. Call (555) 010-2000.',
    dedupeKey: `providers-test:${++seq}`,
    sendAfter: extra.sendAfter,
  });
  return id!;
}
const row = (id: number) => t.db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const post = (path: string, m: { body: string; headers: Record<string, string> }) => t.app.request(`http://localhost:3000${path}`, { method: 'POST', body: m.body, headers: m.headers });

describe('email through Resend', () => {
  it('sends with the dedupe key as idempotency key and one-click unsubscribe headers, then records delivered once', async () => {
    const id = await queue('email');
    const r = await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    expect(r.sent).toBe(1);
    const email = resend.emails.at(-1)!;
    const m = await row(id);
    expect(m.status).toBe('sent');
    expect(m.transport).toBe('resend');
    expect(m.provider_message_id).toBe(email.id);
    expect(email.idempotencyKey).toBe(m.dedupe_key);
    expect(email.to).toEqual([JAMES_EMAIL]);
    expect(email.headers?.['List-Unsubscribe']).toMatch(/^<http:\/\/localhost:3000\/unsubscribe\/[\w.-]+>$/);
    expect(email.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(email.text).toContain('Unsubscribe: http://localhost:3000/unsubscribe/');

    const hook = resend.webhook('email.delivered', email.id, t.clock.now());
    expect((await post('/webhooks/resend', hook)).status).toBe(200);
    expect((await row(id)).status).toBe('delivered');
    const again = await post('/webhooks/resend', hook);
    expect(await again.text()).toBe('duplicate');
  });

  it('an event for a send not yet recorded is refused with 409 so the provider retries, and applies once it is', async () => {
    const hook = resend.webhook('email.delivered', 'not-recorded-yet', t.clock.now());
    const early = await post('/webhooks/resend', hook);
    expect(early.status).toBe(409);
    const id = await queue('email', { recipient: 'early.webhook@example.com' });
    await t.db.updateTable('outbox_messages').set({ status: 'sent', transport: 'resend', provider_message_id: 'not-recorded-yet' }).where('id', '=', id).execute();
    expect((await post('/webhooks/resend', hook)).status).toBe(200);
    expect((await row(id)).status).toBe('delivered');
    // An old event about a message that is not ours: acknowledged, so it is not retried for days.
    const old = resend.webhook('email.delivered', 'someone-elses', t.clock.now(), {}, { createdAt: new Date(t.clock.now().getTime() - 2 * 3_600_000) });
    expect((await post('/webhooks/resend', old)).status).toBe(200);
  });

  it('a bounce stops email to that address for that patient; a complaint likewise', async () => {
    const id = await queue('email');
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    const email = resend.emails.at(-1)!;
    expect((await post('/webhooks/resend', resend.webhook('email.bounced', email.id, t.clock.now(), { bounce: { message: 'mailbox does not exist' } }))).status).toBe(200);
    expect((await row(id)).status).toBe('bounced');
    const supp = await t.db.selectFrom('email_suppressions').selectAll().where('patient_id', '=', james).execute();
    expect(supp).toMatchObject([{ email: JAMES_EMAIL, reason: 'bounced' }]);

    const before = resend.requests;
    const next = await queue('email');
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    expect(await row(next)).toMatchObject({ status: 'cancelled', cancel_reason: 'Address bounced' });
    expect(resend.requests).toBe(before);

    // A different address (after the patient's email changed) is not suppressed; a complaint there suppresses it too.
    const other = await queue('email', { recipient: 'james.new@example.com' });
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    expect((await row(other)).status).toBe('sent');
    await post('/webhooks/resend', resend.webhook('email.complained', resend.emails.at(-1)!.id, t.clock.now()));
    expect((await row(other)).status).toBe('complained');
    expect(await t.db.selectFrom('email_suppressions').select('reason').where('email', '=', 'james.new@example.com').executeTakeFirst()).toEqual({ reason: 'complained' });
  });

  it('refuses forged, unsigned and stale webhooks with 401, logs them and changes nothing', async () => {
    const id = await queue('email', { recipient: 'forgery.check@example.com' });
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    const email = resend.emails.at(-1)!;
    const forged = resend.webhook('email.bounced', email.id, t.clock.now(), {}, { secret: 'whsec_' + Buffer.from('not-the-secret').toString('base64') });
    expect((await post('/webhooks/resend', forged)).status).toBe(401);
    const tampered = resend.webhook('email.delivered', email.id, t.clock.now());
    expect((await post('/webhooks/resend', { ...tampered, body: tampered.body.replace('delivered', 'bounced') })).status).toBe(401);
    const stale = resend.webhook('email.bounced', email.id, new Date(t.clock.now().getTime() - 10 * 60_000));
    expect((await post('/webhooks/resend', stale)).status).toBe(401);
    expect((await post('/webhooks/resend', { body: '{}', headers: { 'Content-Type': 'application/json' } })).status).toBe(401);
    expect((await row(id)).status).toBe('sent');
    expect(await t.db.selectFrom('email_suppressions').selectAll().where('email', '=', 'forgery.check@example.com').execute()).toEqual([]);
    expect(t.logLines.filter((l) => l.includes('webhook refused')).length).toBeGreaterThanOrEqual(4);
  });

  it('fails at once on a 4xx that cannot succeed, and retries a 5xx with backoff', async () => {
    resend.failures.push({ status: 422, name: 'validation_error', message: 'Invalid `to` field' });
    const bad = await queue('email', { recipient: 'valid.syntax@example.com' });
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    const failed = await row(bad);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toContain('validation_error');

    resend.failures.push({ status: 500, name: 'internal_server_error', message: 'boom' });
    const flaky = await queue('email', { recipient: 'flaky@example.com' });
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1', random: () => 0.5 });
    const retried = await row(flaky);
    expect(retried).toMatchObject({ status: 'queued', attempts: 1 });
    expect(retried.next_attempt_at.getTime()).toBeGreaterThan(t.clock.now().getTime());
    expect(retried.last_error).toContain('500');
    t.clock.advanceMinutes(2);
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    expect(await row(flaky)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('gives up after the maximum attempts and shows the reason', async () => {
    const id = await queue('email', { recipient: 'down@example.com' });
    for (let i = 0; i < 3; i++) {
      resend.failures.push({ status: 503, name: 'application_error', message: 'unavailable' });
      await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1', maxAttempts: 3 });
      t.clock.advanceHours(7);
    }
    const m = await row(id);
    expect(m.status).toBe('failed');
    expect(m.last_error).toContain('gave up after 3 attempts');
  });
});

describe('the one-click unsubscribe link', () => {
  it('shows a confirm page on GET and unsubscribes on a POST without Origin, recording consent by the patient', async () => {
    const id = await queue('email', { kind: 'balance_alert', recipient: 'james.carter+unsub@example.com' });
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    expect((await row(id)).status).toBe('sent');
    const link = resend.emails.at(-1)!.headers!['List-Unsubscribe']!.slice(1, -1);
    const path = new URL(link).pathname;
    const page = await t.anonymous().get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Stop receiving balance alerts by email from Riverside Physical Therapy?');

    const res = await t.app.request(link, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    const sub = await t.db.selectFrom('subscriptions').select('subscribed').where('patient_id', '=', james).where('kind', '=', 'balance_alert').where('channel', '=', 'email').executeTakeFirstOrThrow();
    expect(sub.subscribed).toBe(false);
    const consent = await t.db.selectFrom('consent_events').selectAll().where('patient_id', '=', james).where('source', '=', 'unsubscribe_link').execute();
    expect(consent).toMatchObject([{ actor_kind: 'patient', subscribed: false, channel: 'email', kind: 'balance_alert' }]);

    const tampered = await t.anonymous().get(path.slice(0, -3) + 'abc');
    expect(tampered.status).toBe(404);
  });
});

describe('texts through Twilio', () => {
  // 10:00 in Chicago: inside the text window.
  beforeAll(() => t.clock.set('2026-11-25T16:00:00Z'));
  it('sends with a status callback and records delivery from the signed callback; refuses a forged one', async () => {
    const id = await queue('sms');
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    const sms = twilio.messages.at(-1)!;
    expect(sms).toMatchObject({ to: JAMES_PHONE, from: twilio.from, statusCallback: 'http://localhost:3000/webhooks/twilio/status' });
    expect(await row(id)).toMatchObject({ status: 'sent', transport: 'twilio', provider_message_id: sms.sid });

    const cb = twilio.statusCallback(sms.sid, 'delivered');
    const forged = { ...cb, headers: { ...cb.headers, 'X-Twilio-Signature': 'AAAA' + cb.headers['X-Twilio-Signature'].slice(4) } };
    expect((await post('/webhooks/twilio/status', forged)).status).toBe(401);
    expect((await row(id)).status).toBe('sent');
    expect((await post('/webhooks/twilio/status', cb)).status).toBe(204);
    expect((await row(id)).status).toBe('delivered');
  });

  it('STOP opts the number out at once, cancels queued texts, confirms once; nothing else is texted; START opts back in', async () => {
    const later = await queue('sms', { sendAfter: new Date(t.clock.now().getTime() + 3_600_000) });
    const stop = twilio.inbound('http://localhost:3000/webhooks/twilio/inbound', '(555) 010-0104', 'Stop');
    expect((await post('/webhooks/twilio/inbound', stop)).status).toBe(200);
    // Twilio retries a webhook it thinks failed: the repeat changes nothing.
    await post('/webhooks/twilio/inbound', stop);

    expect(await t.db.selectFrom('sms_opt_outs').select(['practice_id', 'phone']).where('phone', '=', JAMES_PHONE).execute()).toEqual([{ practice_id: riverside, phone: JAMES_PHONE }]);
    expect(await row(later)).toMatchObject({ status: 'cancelled', cancel_reason: 'Number opted out by STOP' });
    const consent = await t.db.selectFrom('consent_events').selectAll().where('patient_id', '=', james).where('source', '=', 'sms_stop').execute();
    expect(consent.length).toBe(3);
    expect(consent.filter((c) => !(c.actor_kind === 'patient' && !c.subscribed && c.address === JAMES_PHONE))).toEqual([]);

    const before = twilio.messages.length;
    const afterStop = await queue('sms');
    t.clock.advanceHours(2);
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    const sentSince = twilio.messages.slice(before);
    expect(sentSince.map((m) => m.body)).toEqual([expect.stringContaining('you are unsubscribed')]);
    expect(await row(afterStop)).toMatchObject({ status: 'cancelled', cancel_reason: 'Number opted out by STOP' });

    const help = twilio.inbound('http://localhost:3000/webhooks/twilio/inbound', JAMES_PHONE, 'help');
    await post('/webhooks/twilio/inbound', help);
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    expect(twilio.messages.at(-1)!.body).toContain('Riverside Physical Therapy: call (555) 010-2000');
    expect(twilio.messages.at(-1)!.body).toContain('Reply STOP to opt out');

    await post('/webhooks/twilio/inbound', twilio.inbound('http://localhost:3000/webhooks/twilio/inbound', JAMES_PHONE, 'START'));
    expect(await t.db.selectFrom('sms_opt_outs').selectAll().where('phone', '=', JAMES_PHONE).execute()).toEqual([]);
    const back = await queue('sms');
    await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
    expect((await row(back)).status).toBe('sent');
  });

  it('treats Spanish and multi-word synonyms as STOP, and refuses an unsigned inbound text', async () => {
    const unsigned = twilio.inbound('http://localhost:3000/webhooks/twilio/inbound', '+15550100101', 'STOP', { authToken: 'wrong' });
    expect((await post('/webhooks/twilio/inbound', unsigned)).status).toBe(401);
    expect(await t.db.selectFrom('sms_opt_outs').selectAll().where('phone', '=', '+15550100101').execute()).toEqual([]);

    await post('/webhooks/twilio/inbound', twilio.inbound('http://localhost:3000/webhooks/twilio/inbound', '+15550100101', ' opt out! '));
    expect((await t.db.selectFrom('sms_opt_outs').selectAll().where('phone', '=', '+15550100101').execute()).length).toBe(1);
    await post('/webhooks/twilio/inbound', twilio.inbound('http://localhost:3000/webhooks/twilio/inbound', '+15550100101', 'START'));
    await post('/webhooks/twilio/inbound', twilio.inbound('http://localhost:3000/webhooks/twilio/inbound', '+15550100101', 'Parar'));
    expect((await t.db.selectFrom('sms_opt_outs').selectAll().where('phone', '=', '+15550100101').execute()).length).toBe(1);
  });
});
