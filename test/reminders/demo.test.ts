import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { normalizePhone } from '../../src/messaging/phone.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { createTransports } from '../../src/messaging/transports.ts';

// The demo a newcomer follows (SPEC section 9, docs/rules.md "Appointment reminders"): links that
// point where the app runs, appointments in office hours, reminder answers to look at.

let t: TestContext;
const HERE = 'http://demo.example:8123';
beforeAll(async () => {
  t = await createTestContext({ config: { PUBLIC_URL: HERE } });
});
afterAll(() => t.close());

describe('the demo world', () => {
  it('writes no localhost address at seed time; links resolve to PUBLIC_URL when shown and when sent', async () => {
    const stored = await t.db.selectFrom('outbox_messages').select(['id', 'body', 'kind', 'template_params']).execute();
    expect(stored.filter((m) => /localhost/.test(`${m.body ?? ''} ${JSON.stringify(m.template_params ?? {})}`))).toEqual([]);
    const statements = await t.db.selectFrom('statements').select('content').execute();
    expect(statements.filter((s) => /localhost/.test(JSON.stringify(s.content)))).toEqual([]);

    const root = await t.as('root@stratapt.example');
    const page = await root.get('/vendor/messages?recipient=james.carter%40example.com&kind=balance_alert');
    expect(page.text).toContain(`href="${HERE}/portal/`);
    expect(page.text).not.toContain('{public-url}');

    // A queued demo email (an electronic statement) leaves with the configured address.
    await drainOutbox(t.db, t.clock.now(), createTransports(t.config));
    const sent = await t.db.selectFrom('outbox_messages').select('body').where('kind', '=', 'statement').where('status', 'in', ['sent', 'delivered']).execute();
    expect(sent.length).toBeGreaterThan(0);
    for (const m of sent) {
      expect(m.body).toContain(`${HERE}/portal/`);
      expect(m.body).not.toContain('{public-url}');
    }
  });

  it('has appointments only in office hours in the practice’s zone, and no patient with a clinic’s phone', async () => {
    const { rows } = await sql<{ local_hour: number; local_minute: number }>`
      select extract(hour from a.starts_at at time zone p.time_zone)::int as local_hour, extract(minute from a.starts_at at time zone p.time_zone)::int as local_minute
        from appointments a join practices p on p.id = a.practice_id`.execute(t.db);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.local_hour < 8 || r.local_hour > 16 || (r.local_hour === 16 && r.local_minute > 30))).toEqual([]);

    const clinics = (await t.db.selectFrom('practices').select('phone').execute()).map((p) => normalizePhone(p.phone));
    const patients = await t.db.selectFrom('patients').select(['account_number', 'mobile_phone']).execute();
    expect(patients.filter((p) => clinics.includes(normalizePhone(p.mobile_phone)))).toEqual([]);
  });

  it('shows a confirmed reminder and a reschedule request on tomorrow’s day list, and the request on the Dashboard', async () => {
    const desk = await t.as('frontdesk@riverside.example');
    const day = await desk.get('/appointments/tomorrow');
    expect(day.status).toBe(200);
    const row = (name: string) => day.text.match(new RegExp(`<tr>(?:(?!</tr>).)*${name}(?:(?!</tr>).)*</tr>`, 's'))?.[0] ?? '';
    expect(row('Nguyen, Ava')).toContain('Confirmed');
    expect(row('Patel, Noah')).toContain('Asked to reschedule');
    expect(row('Johnson, Emma')).toContain('No answer');
    const dashboard = await desk.get('/dashboard');
    expect(dashboard.text).toMatch(/Patel, Noah<\/a> asked to reschedule/);
    // Emma's reminder email carries working links to try.
    const email = await t.db.selectFrom('outbox_messages').select('body').where('kind', '=', 'appointment_reminder').where('recipient', '=', 'emma.johnson@example.com').executeTakeFirstOrThrow();
    const confirm = email.body!.match(/Confirm: \{public-url\}(\S+)/)![1]!;
    const open = await t.anonymous().get(confirm);
    expect(open.status).toBe(200);
    expect(open.text).toContain('Confirm my appointment');
  });
});
