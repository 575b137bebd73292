import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { PortalClient, dobForm } from '../portal/helpers.ts';
import { PORTAL_LANGUAGE_COOKIE } from '../../src/portal/routes.tsx';
import { PORTAL_COOKIE } from '../../src/portal/sessions.ts';
import { unsubscribeUrl } from '../../src/messaging/unsubscribe-token.ts';

// The demo a newcomer follows in Spanish (README, "In Spanish"): Lucía Hernández and José Ramírez
// of Riverside prefer Spanish; Lucía's balance alert waits in Sent Messages, in Spanish, and its
// link opens the portal in Spanish after her date of birth (3/14/1986). The switch turns it to
// English and back, and goes nowhere but the portal.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const patient = (account: string) => t.db.selectFrom('patients').selectAll().where('account_number', '=', account).executeTakeFirstOrThrow();

describe('the Spanish demo', () => {
  it('has two Spanish-speaking patients at Riverside with Spanish balance alerts captured', async () => {
    const lucia = await patient('R-1027');
    const jose = await patient('R-1028');
    expect([lucia.first_name, lucia.last_name, lucia.date_of_birth, lucia.preferred_language]).toEqual(['Lucía', 'Hernández', '1986-03-14', 'es']);
    expect([jose.first_name, jose.last_name, jose.date_of_birth, jose.preferred_language]).toEqual(['José', 'Ramírez', '1972-11-05', 'es']);
    const alerts = await t.db.selectFrom('outbox_messages').select(['patient_id', 'channel', 'subject', 'body', 'status']).where('kind', '=', 'balance_alert').where('patient_id', 'in', [lucia.id, jose.id]).orderBy('id').execute();
    expect(alerts.map((a) => `${a.patient_id === lucia.id ? 'lucia' : 'jose'}:${a.channel}:${a.status}`)).toEqual(['lucia:sms:delivered', 'lucia:email:delivered', 'jose:sms:delivered']);
    expect(alerts[0]!.body).toMatch(/^Riverside Physical Therapy: tiene un saldo pendiente\. Véalo y pague de forma segura: .*\/portal\/[A-Za-z0-9_-]{20,}\. Responda STOP para darse de baja\.$/);
    expect(alerts[1]!.subject).toBe('Un mensaje de Riverside Physical Therapy');

    // Staff see them in Sent Messages, the link followable (captured transport).
    const root = await t.as('root@stratapt.example');
    const sent = await root.get('/vendor/messages');
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('tiene un saldo pendiente');
  });

  it("Lucía's link opens the portal in Spanish; the switch turns it to English and back", async () => {
    const lucia = await patient('R-1027');
    const alert = await t.db.selectFrom('outbox_messages').select('body').where('kind', '=', 'balance_alert').where('patient_id', '=', lucia.id).where('channel', '=', 'sms').executeTakeFirstOrThrow();
    const path = /\/portal\/[A-Za-z0-9_-]{20,}/.exec(alert.body!)![0];
    const client = new PortalClient(t);

    const dob = await client.get(path);
    expect(dob.text).toContain('<html lang="es">');
    expect(dob.text).toContain('Confirme que es usted');
    expect(dob.text).toContain('Fecha de nacimiento');
    const wrong = await client.post(path, dobForm('1986-03-15'));
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Esa fecha de nacimiento no coincide con nuestros registros. Quedan 4 intentos');
    expect((await client.post(path, dobForm('1986-03-14'))).status).toBe(303);

    const account = await client.get('/portal/account');
    expect(account.text).toContain('Hola, Lucía');
    expect(account.text).toContain('Saldo pendiente');
    expect(account.text).toContain('$85.00');
    expect(account.text).toContain('Historial de pagos');

    const toEnglish = await client.get('/portal/language?lang=en&next=%2Fportal%2Faccount');
    expect(toEnglish.status).toBe(303);
    expect(toEnglish.location).toBe('/portal/account');
    const cookie = /strata_portal_lang=(en|es)/.exec(toEnglish.headers.get('set-cookie') ?? '')![1];
    expect(cookie).toBe('en');
    const english = await t.app.request(`http://localhost:3000/portal/account`, { headers: { Cookie: `${PORTAL_COOKIE}=${client.cookie}; ${PORTAL_LANGUAGE_COOKIE}=en` } });
    const englishText = await english.text();
    expect(englishText).toContain('<html lang="en">');
    expect(englishText).toContain('Hello, Lucía');
    expect(englishText).toContain('Balance due');
  });

  it('the switch goes back only to a portal page of this site, and ignores a language it does not know', async () => {
    const client = new PortalClient(t);
    for (const next of ['//evil.example/portal/x', 'https://evil.example/portal/account', '/login', '/portal/../login', '/portal\\..\\x', '/portal/language?lang=es']) {
      const res = await client.get(`/portal/language?lang=es&next=${encodeURIComponent(next)}`);
      expect(res.status, next).toBe(303);
      expect(res.location, next).toBe('/portal/account');
    }
    const fr = await client.get('/portal/language?lang=fr&next=%2Fportal%2Faccount');
    expect(fr.headers.get('set-cookie') ?? '').not.toContain(PORTAL_LANGUAGE_COOKIE);
  });

  it('the first balance-alert run does not alert the Spanish patients again (alerted four days ago)', async () => {
    const { runBalanceAlerts } = await import('../../src/balance-alerts/alerts.ts');
    const before = await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'balance_alert').execute();
    await runBalanceAlerts(t.db, t.clock.now(), t.config.publicUrl);
    const fresh = await t.db
      .selectFrom('outbox_messages')
      .innerJoin('patients', 'patients.id', 'outbox_messages.patient_id')
      .select('patients.account_number')
      .where('outbox_messages.kind', '=', 'balance_alert')
      .where('outbox_messages.id', 'not in', before.map((b) => b.id))
      .execute();
    expect(fresh.map((r) => r.account_number)).not.toContain('R-1027');
    expect(fresh.map((r) => r.account_number)).not.toContain('R-1028');
  });

  it("an email's unsubscribe page speaks the patient's language", async () => {
    const lucia = await patient('R-1027');
    const url = new URL(unsubscribeUrl(t.config.publicUrl, t.config.appSecret!, { patientId: lucia.id, kind: 'balance_alert', email: lucia.email! }));
    const page = await t.app.request(`http://localhost:3000${url.pathname}`);
    const text = await page.text();
    expect(text).toContain('<html lang="es">');
    expect(text).toContain('¿Dejar de recibir avisos de saldo de Riverside Physical Therapy por correo electrónico?');
    expect(text).toContain('Cancelar suscripción</button>');
  });
});
