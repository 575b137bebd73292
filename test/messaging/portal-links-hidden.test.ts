import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { FakeResend } from '../support/fake-resend.ts';
import { makePatient, post, riversideId, setFrequency, subscribe } from '../balance-alerts/fixtures.ts';
import { runBalanceAlerts } from '../../src/balance-alerts/alerts.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { capturedTransports, createTransports } from '../../src/messaging/transports.ts';

// Issue 12, item 5: a stored message never holds a live portal link when a provider sends it; the
// token goes only into the payload handed to the provider. Staff pages show "portal link (hidden)".
// Only the captured transport (no provider: demo and development) keeps the live link.

let resend: FakeResend;
let sent: TestContext;
let captured: TestContext;
beforeAll(async () => {
  resend = await FakeResend.start();
  sent = await createTestContext({ config: { RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url, RESEND_WEBHOOK_SECRET: resend.webhookSecret } });
  captured = await createTestContext();
});
afterAll(async () => {
  await sent?.close();
  await captured?.close();
  await resend?.close();
});

async function queueAlert(t: TestContext) {
  await setFrequency(t, await riversideId(t), 'biweekly');
  const p = await makePatient(t, { phone: null });
  await subscribe(t, p, 'email');
  await post(t, p, 'responsibility', 5_000);
  await runBalanceAlerts(t.db, t.clock.now(), t.config.publicUrl);
  const row = await t.db.selectFrom('outbox_messages').selectAll().where('patient_id', '=', p.patientId).where('kind', '=', 'balance_alert').executeTakeFirstOrThrow();
  return { p, row };
}

/** The portal link's token in a text that carries the live link. */
const tokenIn = (text: string) => text.match(/\/portal\/([\w-]{40,})/)?.[1] ?? null;

const messageRow = (t: TestContext, id: number) => t.db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('portal links in stored messages', () => {
  it('through a provider: stored with a placeholder, the live link only in what the provider receives', async () => {
    const { p, row } = await queueAlert(sent);
    // Queued set-based: a template and its parameters; no words, no link, no token yet.
    expect(row).toMatchObject({ template: 'balance_alert', body: null, portal_link_token: null });

    const staff = await sent.as('frontdesk@riverside.example');
    const queuedTab = await staff.get(`/patients/${p.patientId}/engagement`);
    expect(queuedTab.text).toContain('portal link (hidden)');

    expect(queuedTab.text).toContain('you have a balance due');
    await drainOutbox(sent.db, sent.clock.now(), createTransports(sent.config));
    const email = resend.emails.find((e) => e.idempotencyKey === row.dedupe_key)!;
    const token = tokenIn(email.text ?? '')!;
    expect(token).toMatch(/^[\w-]{40,}$/);
    expect(email.text).toContain(`http://localhost:3000/portal/${token}`);
    expect(email.html).toContain(`http://localhost:3000/portal/${token}`);
    expect(email.text).not.toContain('{portal-link-token}');

    const after = await messageRow(sent, row.id);
    expect(after.status).toBe('sent');
    expect(after.body).not.toContain(token);
    expect(after.body).toContain('{portal-link-token}');
    expect(after.body).toContain('Unsubscribe:');
    expect(after.portal_link_token).toBeNull();

    for (const page of [await staff.get(`/patients/${p.patientId}/engagement`), await (await sent.as('root@stratapt.example')).get(`/vendor/messages?recipient=${encodeURIComponent(row.recipient)}`)]) {
      expect(page.status).toBe(200);
      expect(page.text).toContain('portal link (hidden)');
      expect(page.text).not.toContain(token);
    }
    // The link the patient received works.
    expect((await sent.anonymous().get(`/portal/${token}`)).text).toContain('Confirm it is you');
  });

  it('captured (no provider): the row keeps the live link, Sent Messages says so, the Engagement tab still hides it', async () => {
    const { p, row } = await queueAlert(captured);
    await drainOutbox(captured.db, captured.clock.now(), capturedTransports);
    const after = await messageRow(captured, row.id);
    expect(after.status).toBe('delivered');
    const token = tokenIn(after.body!)!;
    expect(token).toMatch(/^[\w-]{40,}$/);
    expect(after.body).toContain(`http://localhost:3000/portal/${token}`);
    expect(after.portal_link_token).toBeNull();

    const sentMessages = await (await captured.as('root@stratapt.example')).get(`/vendor/messages?recipient=${encodeURIComponent(row.recipient)}`);
    expect(sentMessages.text).toContain(`href="http://localhost:3000/portal/${token}"`);
    expect(sentMessages.text).toContain('keep their live portal links');

    const tab = await (await captured.as('frontdesk@riverside.example')).get(`/patients/${p.patientId}/engagement`);
    expect(tab.text).toContain('portal link (hidden)');
    expect(tab.text).not.toContain(token);
    // The demo's captured alerts to James hold live links; his Engagement tab hides them too.
    const james = await captured.db.selectFrom('patients').select('id').where('account_number', '=', 'R-1004').executeTakeFirstOrThrow();
    const jamesTab = await (await captured.as('frontdesk@riverside.example')).get(`/patients/${james.id}/engagement`);
    expect(jamesTab.text).toContain('portal link (hidden)');
    expect(jamesTab.text).not.toMatch(/\/portal\/[\w-]{20,}/);
  });

  it('a message cancelled before it leaves never gets a portal link', async () => {
    const { p, row } = await queueAlert(sent);
    await post(sent, p, 'payment', 5_000);
    await drainOutbox(sent.db, sent.clock.now(), createTransports(sent.config));
    const after = await messageRow(sent, row.id);
    expect(after.status).toBe('cancelled');
    expect(after.portal_link_token).toBeNull();
    expect(await sent.db.selectFrom('portal_links').select('id').where('patient_id', '=', p.patientId).execute()).toEqual([]);
  });
});
