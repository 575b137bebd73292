import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import type { Envelope, Transport, Transports } from '../../src/messaging/transports.ts';
import { runBalanceAlerts } from '../../src/balance-alerts/alerts.ts';
import { reminderSendTime, runAppointmentReminders } from '../../src/reminders/reminders.ts';
import { handleInboundSms } from '../../src/messaging/inbound.ts';
import { makePatient, post, subscribe } from '../balance-alerts/fixtures.ts';
import { makeAppointment } from '../reminders/fixtures.ts';
import { runStatements } from '../../src/statements/statements.ts';
import { statementCopyPdf } from '../../src/statements/access.ts';
import { extractText, getDocumentProxy } from 'unpdf';
import { noticeContent } from '../../src/emergency/notices.ts';
import { smsSegments } from '../../src/messaging/sms-segments.ts';
import { portalBalanceAlerts, setPortalBalanceAlert } from '../../src/portal/consent.ts';
import type { PortalSession } from '../../src/portal/sessions.ts';

// A Spanish-speaking patient receives every message in Spanish, end to end through the real
// dispatcher (docs/rules.md, Language): the balance alert's text and email, the appointment
// reminder, and the answers to texts from the number; an English patient of the same practice
// keeps the words English patients have always had.

let t: TestContext;
let practiceId: number;
const sent: Envelope[] = [];
const recording: Transport = {
  name: 'recording',
  async send(m) {
    sent.push(m);
    return { ok: true, providerMessageId: `rec-${m.id}` };
  },
};
const transports: Transports = { email: recording, sms: recording };
const ES_PHONE = '+15550197001';
const EN_PHONE = '+15550197002';
let lucia: Awaited<ReturnType<typeof makePatient>>;
let james: Awaited<ReturnType<typeof makePatient>>;

beforeAll(async () => {
  t = await createTestContext({ seed: false, now: '2026-11-24T16:00:00Z' }); // 10:00 in Chicago
  practiceId = (await t.db
    .insertInto('practices')
    .values({ name: 'Riverside Physical Therapy', phone: '(555) 010-2000', time_zone: 'America/Chicago', go_live_on: '2026-01-01', balance_alert_frequency: 'biweekly', reminder_lead_hours: 24 })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
  lucia = await makePatient(t, { practiceId, phone: ES_PHONE, email: 'lucia@example.org' });
  james = await makePatient(t, { practiceId, phone: EN_PHONE, email: 'james@example.org' });
  await t.db.updateTable('patients').set({ preferred_language: 'es' }).where('id', '=', lucia.patientId).execute();
  for (const p of [lucia, james]) {
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 4_500);
  }
});
afterAll(() => t.close());

const to = (recipient: string) => sent.filter((m) => m.recipient === recipient);
const link = (s: string | null | undefined) => s?.replace(/\/portal\/[A-Za-z0-9_-]{20,}/g, '/portal/<token>').replace(/\/appointment-replies\/[A-Za-z0-9_-]+\//g, '/appointment-replies/<token>/') ?? null;

describe("messages in the patient's language", () => {
  it('a balance alert: Spanish text and email for the Spanish patient, the usual English for the other', async () => {
    expect(await runBalanceAlerts(t.db, t.clock.now(), t.config.publicUrl)).toBe(4);
    await drainOutbox(t.db, t.clock.now(), transports);
    const url = t.config.publicUrl;

    const [esText] = to(ES_PHONE);
    expect(link(esText!.body)).toBe(`Riverside Physical Therapy: tiene un saldo pendiente. Véalo y pague de forma segura: ${url}/portal/<token>. Responda STOP para darse de baja.`);
    expect(smsSegments(esText!.body)).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    const [esEmail] = to('lucia@example.org');
    expect(esEmail!.subject).toBe('Un mensaje de Riverside Physical Therapy');
    expect(link(esEmail!.body)).toBe(`Riverside Physical Therapy: tiene un saldo pendiente. Véalo y pague de forma segura: ${url}/portal/<token>\n\n¿Preguntas? Llame a Riverside Physical Therapy al (555) 010-2000.`);
    expect(link(esEmail!.html)).toContain('>Véalo y pague de forma segura</a>');

    const [enText] = to(EN_PHONE);
    expect(link(enText!.body)).toBe(`Riverside Physical Therapy: you have a balance due. View and pay securely: ${url}/portal/<token>. Reply STOP to opt out.`);
    const [enEmail] = to('james@example.org');
    expect(enEmail!.subject).toBe('A message from Riverside Physical Therapy');
    expect(link(enEmail!.body)).toBe(`Riverside Physical Therapy: you have a balance due. View and pay securely: ${url}/portal/<token>\n\nQuestions? Call Riverside Physical Therapy at (555) 010-2000.`);
  });

  it('an appointment reminder: Spanish words, Spanish date and time', async () => {
    sent.length = 0;
    const startsAt = '2026-11-25T16:30:00Z'; // Wednesday 10:30 in Chicago
    await makeAppointment(t.db, practiceId, lucia.patientId, startsAt, { location: 'Riverside Main Clinic' });
    await makeAppointment(t.db, practiceId, james.patientId, startsAt, { location: 'Main Clinic' });
    const moments = [...new Set((['sms', 'email'] as const).map((ch) => reminderSendTime(new Date(startsAt), 24, ch, 'America/Chicago').getTime()))].sort();
    for (const at of moments) {
      t.clock.set(new Date(at - 10 * 60_000));
      await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl);
      t.clock.set(new Date(at));
      await drainOutbox(t.db, t.clock.now(), transports);
    }
    expect(to(ES_PHONE).map((m) => m.body)).toEqual([
      'Riverside Physical Therapy: recordatorio de su cita el mié, 25 de nov a las 10:30 a.m., Riverside Main Clinic. Responda C para confirmar, R para cambiar la cita. Responda STOP para darse de baja.',
    ]);
    // Spanish keeps to GSM-7 (no á, í, ó, ú in the fixed words), so it stays within two parts like English.
    expect(smsSegments(to(ES_PHONE)[0]!.body)).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(to(EN_PHONE).map((m) => m.body)).toEqual([
      'Riverside Physical Therapy: reminder of your appointment Wed, Nov 25 at 10:30 AM, Main Clinic. Reply C to confirm, R to reschedule. Reply STOP to opt out.',
    ]);
    const [esEmail] = to('lucia@example.org');
    expect(esEmail!.subject).toBe('Recordatorio de cita de Riverside Physical Therapy');
    expect(link(esEmail!.body)).toContain('miércoles, 25 de noviembre de 2026 a las 10:30 a.m. CST\nRiverside Main Clinic\n\nConfirmar: ');
  });

  it('answers to texts: C, HELP and STOP in the language of the patient last texted, English otherwise', async () => {
    sent.length = 0;
    const reply = async (from: string, body: string) => {
      await handleInboundSms(t.db, t.clock.now(), { from, to: '+15550100000', body, messageSid: `SM${Math.random()}` });
      await drainOutbox(t.db, t.clock.now(), transports);
      return to(from).at(-1)!.body;
    };
    expect(await reply(ES_PHONE, 'Sí')).toBe('Riverside Physical Therapy: gracias, su cita del mié, 25 de nov a las 10:30 a.m. queda confirmada.');
    expect(await reply(ES_PHONE, 'hola')).toBe(
      'Riverside Physical Therapy: esta línea no lee mensajes. Llame al (555) 010-2000. Para su cita del mié, 25 de nov a las 10:30 a.m., responda C para confirmarla o R para cambiarla.',
    );
    expect(await reply(ES_PHONE, 'AYUDA')).toBe(
      'Riverside Physical Therapy: llame al (555) 010-2000. Mensajes de citas y de pagos. Responda STOP para darse de baja. Pueden aplicarse tarifas de mensajes y datos.',
    );
    expect(await reply(ES_PHONE, 'PARAR')).toBe('Riverside Physical Therapy: no le enviaremos otros mensajes de texto. Responda START para suscribirse de nuevo.');

    expect(await reply(EN_PHONE, 'HELP')).toBe(
      'Riverside Physical Therapy: call (555) 010-2000. Appointment and billing messages. Reply STOP to opt out. Msg & data rates may apply.',
    );
    expect(await reply(EN_PHONE, 'STOP')).toBe('Riverside Physical Therapy: you are unsubscribed and will receive no more texts. Reply START to resubscribe.');
  });

  it("a statement: the email's cover text and the PDF in Spanish, the English patient's in English", async () => {
    await t.db.updateTable('patients').set({ statement_delivery: 'electronic' }).where('id', 'in', [lucia.patientId, james.patientId]).execute();
    t.clock.advanceDays(31);
    expect(await runStatements(t.db, t.clock.now(), t.config.publicUrl)).toBe(2);
    const emails = await t.db.selectFrom('outbox_messages').select(['patient_id', 'subject', 'body']).where('kind', '=', 'statement').orderBy('patient_id').execute();
    const es = emails.find((e) => e.patient_id === lucia.patientId)!;
    const en = emails.find((e) => e.patient_id === james.patientId)!;
    expect(es.subject).toBe('Riverside Physical Therapy: su estado de cuenta está listo');
    expect(es.body).toMatch(/^Riverside Physical Therapy: tiene un nuevo estado de cuenta\.\n\nVéalo y pague de forma segura: .*\n\n¿Preguntas\? Llame al \(555\) 010-2000\.\n$/);
    expect(en.subject).toBe('Riverside Physical Therapy: your statement is ready');
    expect(en.body).toMatch(/^Riverside Physical Therapy: a new statement is ready for you\.\n\nView it and pay securely: /);

    const pdfText = async (patientId: number) => {
      const row = await t.db.selectFrom('statements').select(['content', 'delivery', 'statement_date']).where('patient_id', '=', patientId).executeTakeFirstOrThrow();
      const bytes = await statementCopyPdf(row);
      return (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text;
    };
    const esPdf = await pdfText(lucia.patientId);
    for (const words of ['Estado de cuenta del paciente', 'Saldo pendiente: $45.00', 'Responsabilidad del paciente', 'Cómo pagar', 'En línea: con el enlace seguro enviado al paciente por correo electrónico.', 'Por teléfono: llame al (555) 010-2000', 'Test case']) {
      expect(esPdf).toContain(words);
    }
    // Sent: the one-click unsubscribe line is in the patient's language too.
    sent.length = 0;
    await drainOutbox(t.db, t.clock.now(), { ...transports, unsubscribe: { publicUrl: t.config.publicUrl, secret: t.config.appSecret! } });
    expect(to('lucia@example.org').at(-1)!.body).toMatch(/\n\nCancelar suscripción: http\S+\/unsubscribe\/\S+$/);
    expect(to('james@example.org').at(-1)!.body).toMatch(/\n\nUnsubscribe: http\S+\/unsubscribe\/\S+$/);
    const enPdf = await pdfText(james.patientId);
    for (const words of ['Patient Statement', 'Balance due: $45.00', 'Patient responsibility', 'How to pay', 'By phone: call (555) 010-2000']) expect(enPdf).toContain(words);
  });

  it("an emergency notice: the fixed parts in the recipient's language, the staff's message as typed", () => {
    const practice = { name: 'Riverside Physical Therapy', phone: '(555) 010-2000', time_zone: 'America/Chicago' };
    const draft = { message: 'We are closed today because of snow.', windowStart: new Date('2026-12-01T14:00:00Z'), windowEnd: new Date('2026-12-01T23:00:00Z') };
    const es = noticeContent(practice, draft, 'es');
    expect(es.text).toBe('Riverside Physical Therapy: We are closed today because of snow. Preguntas: (555) 010-2000. Responda STOP para darse de baja.');
    expect(es.subject).toBe('Importante: aviso de cierre de Riverside Physical Therapy');
    expect(es.email).toContain('We are closed today because of snow.\n\nAfecta: mar, 1 de dic');
    const en = noticeContent(practice, draft);
    expect(en.text).toBe('Riverside Physical Therapy: We are closed today because of snow. Questions: (555) 010-2000. Reply STOP to opt out.');
    expect(en.email).toContain('Affected: Tue, Dec 1, 8:00 AM – Tue, Dec 1, 5:00 PM CST');
  });

  it('a number no reminder or alert went to is answered in English', async () => {
    const other = await makePatient(t, { practiceId, phone: '+15550197003', email: null });
    await t.db.updateTable('patients').set({ preferred_language: 'es' }).where('id', '=', other.patientId).execute();
    await handleInboundSms(t.db, t.clock.now(), { from: '+15550197003', to: '+15550100000', body: 'HELP', messageSid: 'SM-never-texted' });
    await drainOutbox(t.db, t.clock.now(), transports);
    expect(to('+15550197003').at(-1)!.body).toMatch(/^Riverside Physical Therapy: call \(555\) 010-2000\. Appointment and billing messages\./);
  });
  it("the portal's consent wording: shown and recorded in the patient's language, the English unchanged", async () => {
    const session = (p: typeof lucia, language: 'en' | 'es'): PortalSession => ({ id: 'test', practiceId, patientId: p.patientId, linkId: 0, expiresAt: new Date(t.clock.now().getTime() + 600_000), language });
    const email = async (s: PortalSession) => (await portalBalanceAlerts(t.db, s)).channels.find((c) => c.channel === 'email')!;
    const recorded = async (p: typeof lucia) =>
      (await t.db.selectFrom('consent_events').select(['wording', 'subscribed', 'actor_kind']).where('patient_id', '=', p.patientId).where('channel', '=', 'email').orderBy('id', 'desc').executeTakeFirstOrThrow());

    const es = session(lucia, 'es');
    expect((await setPortalBalanceAlert(t.db, es, { channel: 'email', subscribed: true }, t.clock.now())).ok).toBe(true);
    const on = await email(es);
    expect(on.label).toBe('Correo electrónico');
    expect(on.wording).toBe('Dejar de enviar avisos de saldo por correo electrónico a lucia@example.org.');
    expect(await setPortalBalanceAlert(t.db, es, { channel: 'email', subscribed: false }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect(await recorded(lucia)).toEqual({ wording: on.wording, subscribed: false, actor_kind: 'patient' });
    const off = await email(es);
    expect(off.wording).toMatch(/^El paciente acepta recibir avisos de saldo de Riverside Physical Therapy por correo electrónico en lucia@example\.org\. El correo electrónico no está cifrado\./);
    expect(await setPortalBalanceAlert(t.db, es, { channel: 'email', subscribed: true }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect((await recorded(lucia)).wording).toBe(off.wording);

    // An English patient reads the words staff see, as they always were.
    const en = session(james, 'en');
    expect((await setPortalBalanceAlert(t.db, en, { channel: 'email', subscribed: false }, t.clock.now())).ok).toBe(true);
    expect((await email(en)).wording).toBe(
      'The patient agrees to receive balance alerts from Riverside Physical Therapy by email at james@example.org. Email is not encrypted. Messages hold only the practice name, that something is waiting, a secure link and our phone number — never amounts or clinical details. Every email has a one-click unsubscribe link.',
    );
    expect((await recorded(james)).wording).toBe('Stop sending balance alerts by email to james@example.org.');
  });
});
