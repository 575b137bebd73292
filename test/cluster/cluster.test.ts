import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';
import { CLUSTER_NEEDS_DATABASE_URL } from '../../src/cluster.ts';
import { freePort, postForm, sessionCookieFrom, startInstance, waitFor, type Instance } from './instances.ts';
import { duplicateKeys, startFakeResend, type FakeResend } from './fake-resend.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';
import { selectDueBalanceAlerts } from '../../src/balance-alerts/alerts.ts';
import { runAppointmentReminders } from '../../src/reminders/reminders.ts';
import { findDueStatements } from '../../src/statements/statements.ts';

// Three app processes against one database, as behind a load balancer: a session made on one is
// valid on the others, sign-in throttling counts across them, and scheduled work happens once.

const root = path.resolve(import.meta.dirname, '../..');

describe('npm run start:cluster', () => {
  it('is refused with one clear line without DATABASE_URL (the embedded database serves one process)', async () => {
    const { code, stderr } = await runCluster({ DATABASE_URL: '' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'))).toEqual([CLUSTER_NEEDS_DATABASE_URL]);
  });

  it.skipIf(!onPostgres)(`forks WEB_CONCURRENCY workers that share one port, and stops them on SIGTERM ${POSTGRES_ONLY}`, async () => {
    const t = await createTestContext({ seed: false });
    try {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: t.url!, APP_SECRET: t.config.appSecret!, PORT: String(port), WEB_CONCURRENCY: '2', SCHEDULER: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c) => (out += String(c)));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await waitFor('two workers listening', async () => (out.match(/listening on/g)?.length ?? 0) >= 2, 60_000);
      expect(out).toContain('"workers":2');
      for (let i = 0; i < 10; i++) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await t.close();
    }
  }, 90_000);
});

describe.skipIf(!onPostgres)(`three instances against one database ${POSTGRES_ONLY}`, () => {
  let t: TestContext;
  let fake: FakeResend;
  const instances: Instance[] = [];
  const seeded = { outbox: 0, links: 0 };

  beforeAll(async () => {
    // The instances read the real clock: seed the world at "now".
    t = await createTestContext({ now: new Date().toISOString() });
    await addDeadlineWork(t);
    await addBulkWork(t);
    // What the demo data wrote itself; the assertions below are about what the instances add.
    seeded.outbox = (await t.db.selectFrom('outbox_messages').select((eb) => eb.fn.max('id').as('n')).executeTakeFirstOrThrow()).n ?? 0;
    seeded.links = (await t.db.selectFrom('portal_links').select((eb) => eb.fn.max('id').as('n')).executeTakeFirstOrThrow()).n ?? 0;
    fake = await startFakeResend();
    const env = {
      // Every instance fires each scheduled job every two seconds, at the same moments.
      JOB_SCHEDULES: SCHEDULED_JOBS.map((name) => `${name}=*/2 * * * * *`).join(';'),
      DATABASE_URL: t.url!,
      APP_SECRET: t.config.appSecret!,
      RESEND_API_KEY: 're_test_cluster',
      RESEND_BASE_URL: fake.url,
      DATABASE_POOL_SIZE: '4',
    };
    instances.push(...(await Promise.all([startInstance(env), startInstance(env), startInstance(env)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await fake?.close();
    await t?.close();
  });

  it('accepts a session made on one instance on every other', async () => {
    const [a, b, c] = instances;
    const res = await postForm(a.origin, '/login', { email: 'admin@riverside.example', password: 'strata-demo-1' });
    expect(res.status).toBe(303);
    const cookie = sessionCookieFrom(res)!;
    expect(cookie).toBeTruthy();
    for (const other of [b, c]) {
      const page = await fetch(`${other.origin}/dashboard`, { headers: { Cookie: cookie }, redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Adam Alvarez');
    }
    // Signing out on one ends the session everywhere.
    const html = await (await fetch(`${b.origin}/dashboard`, { headers: { Cookie: cookie } })).text();
    const csrf = html.match(/name="_csrf" value="([^"]+)"/)![1];
    expect((await postForm(b.origin, '/logout', { _csrf: csrf }, cookie)).status).toBe(303);
    const after = await fetch(`${c.origin}/dashboard`, { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/login/);
  });

  /** A practice staff member as the edit form shows them. */
  const staffRow = (email: string): Promise<StaffFields & { id: number }> =>
    t.db.selectFrom('users').select(['id', 'name', 'email', 'role', 'limit_messaging', 'reporting', 'active']).where('email', '=', email).executeTakeFirstOrThrow();

  // Revocation is seen at once on every instance: each request reads its session, user, role and
  // departments from the database (src/web/context.ts, loadSignedInRequest), with no per-instance cache
  // (docs/rules.md, Sign-in). Each case changes something through the app on A and looks on B or C
  // straight after, without waiting. Nobody whose session or rights a case changes is signed in as by
  // another case, so the cases do not depend on their order.

  it('refuses a deactivated staff member’s session on every instance at once', async () => {
    const [a, b, c] = instances;
    const admin = await signIn(a, 'admin@summit.example');
    const member = await signIn(b, 'pt@summit.example');
    await expectDashboardAs(b, member, 'Sara Stone');

    const row = await staffRow('pt@summit.example');
    expect(row.active).toBe(true);
    const saved = await postForm(a.origin, `/settings/staff/${row.id}`, { ...staffForm({ ...row, active: false }), _csrf: await csrfOf(a, admin, `/settings/staff/${row.id}`) }, admin);
    expect([saved.status, saved.headers.get('location')]).toEqual([303, '/settings/staff']);

    for (const other of [b, c]) await expectSentToLogin(other, member);
  });

  it('refuses a user’s other sessions on every instance at once when they change their password, and keeps the one that changed it', async () => {
    const [a, b, c] = instances;
    const changer = await signIn(a, 'pt@riverside.example');
    const other = await signIn(c, 'pt@riverside.example');
    for (const cookie of [changer, other]) await expectDashboardAs(b, cookie, 'Paul Torres');

    const newPassword = 'a-new-cluster-password-24';
    const changed = await postForm(a.origin, '/account/password', { current: DEMO_PASSWORD, password: newPassword, confirm: newPassword, _csrf: await csrfOf(a, changer, '/account') }, changer);
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain('Every other session was signed out.');

    await expectSentToLogin(b, other);
    await expectSentToLogin(c, other);
    for (const instance of [b, c]) await expectDashboardAs(instance, changer, 'Paul Torres');
    // The new password is the one that signs in, on any instance.
    await signIn(b, 'pt@riverside.example', newPassword);
  });

  it('judges a staff member’s next request on every instance by the role an administrator just gave them', async () => {
    const [a, b, c] = instances;
    const owner = await signIn(a, 'owner@riverside.example');
    const member = await signIn(c, 'director@riverside.example');
    // A Therapy Director opens Settings (settings.view is Therapy Director and above, src/auth/permissions.ts).
    expect((await open(b, '/settings', member)).status).toBe(200);

    const row = await staffRow('director@riverside.example');
    expect(row.role).toBe(3);
    const saved = await postForm(a.origin, `/settings/staff/${row.id}`, { ...staffForm({ ...row, role: 1 }), _csrf: await csrfOf(a, owner, `/settings/staff/${row.id}`) }, owner);
    expect([saved.status, saved.headers.get('location')]).toEqual([303, '/settings/staff']);

    // Now Front Desk: Settings does not exist for them (404, as for every page a user may not use),
    // while the session itself still holds.
    for (const other of [b, c]) {
      expect((await open(other, '/settings', member)).status).toBe(404);
      await expectDashboardAs(other, member, 'Diana Diaz');
    }
  });

  it('judges a vendor user’s next request on every instance by the departments a vendor admin just gave them', async () => {
    const [a, b, c] = instances;
    const root = await signIn(a, 'root@stratapt.example');
    const member = await signIn(b, 'billing@stratapt.example');
    expect((await open(b, '/vendor/queues/billing', member)).status).toBe(200);
    expect((await open(b, '/vendor/queues/technical', member)).status).toBe(404);

    const row = await t.db.selectFrom('users').select(['id', 'name', 'email']).where('email', '=', 'billing@stratapt.example').executeTakeFirstOrThrow();
    const saved = await postForm(a.origin, `/vendor/team/${row.id}`, { name: row.name, email: row.email, departments: 'technical', active: 'on', _csrf: await csrfOf(a, root, `/vendor/team/${row.id}`) }, root);
    expect([saved.status, saved.headers.get('location')]).toEqual([303, '/vendor/team?done=saved']);

    for (const other of [b, c]) {
      expect((await open(other, '/vendor/queues/billing', member)).status).toBe(404);
      expect((await open(other, '/vendor/queues/technical', member)).status).toBe(200);
    }
  });

  it('refuses a deactivated vendor user’s session on every instance at once', async () => {
    const [a, b, c] = instances;
    const root = await signIn(a, 'root@stratapt.example');
    const member = await signIn(c, 'support@stratapt.example');
    expect((await open(b, '/vendor/queues/technical', member)).status).toBe(200);

    const row = await t.db.selectFrom('users').select(['id', 'name', 'email']).where('email', '=', 'support@stratapt.example').executeTakeFirstOrThrow();
    const saved = await postForm(a.origin, `/vendor/team/${row.id}`, { name: row.name, email: row.email, departments: 'technical', _csrf: await csrfOf(a, root, `/vendor/team/${row.id}`) }, root);
    expect([saved.status, saved.headers.get('location')]).toEqual([303, '/vendor/team?done=saved']);

    for (const other of [b, c]) await expectSentToLogin(other, member);
  });

  it('counts failed sign-ins across instances', async () => {
    const email = 'frontdesk@riverside.example';
    for (let i = 0; i < 5; i++) {
      const res = await postForm(instances[i % 3].origin, '/login', { email, password: `wrong-${i}` });
      expect(res.status === 422 || res.status === 429).toBe(true);
    }
    // The right password, on the instance that saw the fewest failures, is refused while the block lasts.
    const blocked = await postForm(instances[2].origin, '/login', { email, password: 'strata-demo-1' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
  });

  it('sends each queued message exactly once although every instance runs the dispatcher', async () => {
    const riverside = await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
    const now = new Date();
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 150; i++) {
        await enqueueMessage(trx, now, {
          practiceId: riverside.id,
          kind: 'cluster_probe',
          channel: 'email',
          recipient: `probe${i}@example.test`,
          subject: 'Probe',
          body: `Probe ${i}`,
          dedupeKey: `cluster-probe-${i}`,
        });
      }
    });
    await waitFor('the outbox to drain', async () => {
      const left = await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'cluster_probe').where('status', 'in', ['queued', 'sending']).execute();
      return left.length === 0;
    }, 60_000, 250);
    const probes = fake.accepted.filter((a) => a.key.startsWith('cluster-probe-'));
    expect(probes).toHaveLength(150);
    expect(duplicateKeys(fake)).toEqual([]);
    const rows = await t.db.selectFrom('outbox_messages').select(['status', 'attempts', 'leased_by']).where('kind', '=', 'cluster_probe').execute();
    expect(rows).toHaveLength(150);
    expect(rows.filter((r) => !(r.status === 'sent' && r.attempts === 1))).toEqual([]);
    // The sending was done by the instances' scheduled dispatch passes (logged when a pass ends,
    // which can be after the probes: a pass drains every due message, the scheduled work's too).
    const handledBy = await waitFor('a dispatch pass that handled rows to finish', async () => {
      const found = instances.filter((i) => i.output.some((l) => l.includes('"job":"outbox-dispatch"') && /"rows":[1-9]/.test(l)));
      return found.length ? found : null;
    }, 60_000, 250);
    expect(handledBy.length).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('does each scheduled job’s work exactly once although all three run the schedule at the same moments', async () => {
    await waitFor('every scheduled job to have run nine times between the three instances', async () => {
      const runs = await t.db.selectFrom('job_runs').select(['name', 'runs', 'last_finished_at', 'last_started_at']).where('name', 'in', SCHEDULED_JOBS).execute();
      return runs.length === SCHEDULED_JOBS.length && runs.every((r) => r.runs >= 9 && r.last_finished_at! >= r.last_started_at!);
    }, 60_000, 500);
    const now = new Date();
    const failed = await t.db.selectFrom('job_runs').select(['name', 'last_error']).where('name', 'in', SCHEDULED_JOBS).where('last_outcome', '<>', 'ok').execute();
    expect(failed).toEqual([]);

    // Balance alerts: one per due patient and channel, each with its own portal link, and nobody left due.
    // The link is made when the alert is sent; a text held for quiet hours (the instances read the real clock,
    // so this depends on the time of day in the practice's zone) has none yet and must still be waiting.
    const readAlerts = () => t.db.selectFrom('outbox_messages').select(['patient_id', 'channel', 'reason', 'status', 'next_attempt_at']).where('kind', '=', 'balance_alert').where('id', '>', seeded.outbox).execute();
    const linkOf = (a: { reason: unknown }) => (a.reason as { portalLinkId?: number }).portalLinkId;
    // The dispatchers send what the runs queued as they go; on a busy machine the last emails can still be
    // in a dispatcher's hands when the jobs have run nine times. Every email is prepared (and sent) in the end.
    await waitFor('the dispatchers to have prepared every email alert', async () => (await readAlerts()).every((a) => a.channel === 'sms' || linkOf(a) !== undefined), 30_000, 250);
    const alerts = await readAlerts();
    expect(alerts.length).toBeGreaterThan(0);
    expect(duplicates(alerts.map((a) => `${a.patient_id}:${a.channel}`))).toEqual([]);
    const prepared = alerts.filter((a) => linkOf(a) !== undefined);
    expect(prepared.length).toBeGreaterThan(0);
    for (const held of alerts.filter((a) => linkOf(a) === undefined)) {
      // 'sending' for the moment a dispatcher holds it, only to put it back until the window opens.
      expect({ channel: held.channel, waiting: ['queued', 'sending'].includes(held.status) }, JSON.stringify(held)).toEqual({ channel: 'sms', waiting: true });
    }
    const links = await t.db.selectFrom('portal_links').select('id').where('purpose', '=', 'balance').where('id', '>', seeded.links).execute();
    expect(links.map((l) => l.id).sort()).toEqual(prepared.map(linkOf).sort());
    expect(await selectDueBalanceAlerts(t.db, now)).toEqual([]);

    // Reminders: one per appointment and channel, and a pass now finds nothing left to queue.
    const reminders = await t.db.selectFrom('outbox_messages').select(['channel', 'reason']).where('kind', '=', 'appointment_reminder').execute();
    expect(reminders.length).toBeGreaterThan(0);
    expect(duplicates(reminders.map((r) => `${(r.reason as { appointmentId: number }).appointmentId}:${r.channel}`))).toEqual([]);
    expect(await runAppointmentReminders(t.db, now, t.config.publicUrl)).toBe(0);

    // Statements: one per patient, balance and cycle, each delivered once.
    const statements = await t.db.selectFrom('statements').select(['id', 'patient_id', 'anchor_entry_id', 'cycle']).execute();
    expect(statements.length).toBeGreaterThan(0);
    expect(duplicates(statements.map((s) => `${s.patient_id}:${s.anchor_entry_id}:${s.cycle}`))).toEqual([]);
    expect(await findDueStatements(t.db, now)).toEqual([]);
    const statementEmails = await t.db.selectFrom('outbox_messages').select('reason').where('kind', '=', 'statement').execute();
    expect(duplicates(statementEmails.map((m) => String((m.reason as { statementId: number }).statementId)))).toEqual([]);

    // Ticket deadlines: each overdue thread recorded once and each warning sent once, with one email per person.
    const events = await t.db.selectFrom('ticket_events').select(['ticket_id', 'kind']).where('kind', 'in', ['went_overdue', 'deadline_warning_sent']).execute();
    expect(events.filter((e) => e.kind === 'went_overdue').length).toBeGreaterThanOrEqual(3);
    expect(events.filter((e) => e.kind === 'deadline_warning_sent').length).toBeGreaterThanOrEqual(2);
    expect(duplicates(events.map((e) => `${e.ticket_id}:${e.kind}`))).toEqual([]);
    const notices = await t.db.selectFrom('outbox_messages').select(['recipient', 'reason']).where('kind', '=', 'ticket_notification').execute();
    const deadlineNotices = notices.filter((n) => ['overdue', 'deadline_warning'].includes((n.reason as { notice: string }).notice));
    expect(deadlineNotices.length).toBeGreaterThan(0);
    expect(duplicates(deadlineNotices.map((n) => `${(n.reason as { ticketId: number; notice: string }).ticketId}:${(n.reason as { notice: string }).notice}:${n.recipient}`))).toEqual([]);
  }, 90_000);
});

const DEMO_PASSWORD = 'strata-demo-1';

/** Signs in through the login form and returns the session cookie. */
async function signIn(instance: Instance, email: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await postForm(instance.origin, '/login', { email, password });
  expect(res.status, `signing in as ${email}`).toBe(303);
  const cookie = sessionCookieFrom(res);
  expect(cookie).toBeTruthy();
  return cookie!;
}

function open(instance: Instance, path: string, cookie: string): Promise<Response> {
  return fetch(`${instance.origin}${path}`, { headers: { Cookie: cookie }, redirect: 'manual' });
}

/** The dashboard opens for the cookie, as the person named (in the page's header). */
async function expectDashboardAs(instance: Instance, cookie: string, name: string): Promise<void> {
  const res = await open(instance, '/dashboard', cookie);
  expect(res.status, `${instance.origin}/dashboard as ${name}`).toBe(200);
  expect(await res.text()).toContain(name);
}

/** The cookie is refused as a browser sees it: sent to the sign-in page. */
async function expectSentToLogin(instance: Instance, cookie: string): Promise<void> {
  const res = await open(instance, '/dashboard', cookie);
  expect(res.status, `${instance.origin}/dashboard`).toBe(303);
  expect(res.headers.get('location')).toMatch(/^\/login/);
}

/** The CSRF token of a page, as the form on it would post it. */
async function csrfOf(instance: Instance, cookie: string, path: string): Promise<string> {
  const res = await open(instance, path, cookie);
  expect(res.status, path).toBe(200);
  return (await res.text()).match(/name="_csrf" value="([^"]+)"/)![1];
}

type StaffFields = { name: string; email: string; role: number | null; limit_messaging: boolean; reporting: boolean; active: boolean };

/** What the staff edit form posts for these values: a ticked box is sent as "on", an unticked one not at all. */
function staffForm(v: StaffFields): Record<string, string> {
  const form: Record<string, string> = { name: v.name, email: v.email, role: String(v.role) };
  for (const box of ['limit_messaging', 'reporting', 'active'] as const) if (v[box]) form[box] = 'on';
  return form;
}

/** The jobs whose work must happen once however many instances run the schedule. */
const SCHEDULED_JOBS = ['balance-alerts', 'appointment-reminders', 'statements', 'ticket-deadlines'];

/** Threads for ticket-deadlines to act on: two past their deadline (besides the demo's), two inside the warning window. */
async function addDeadlineWork(t: TestContext) {
  const now = new Date();
  const open = await t.db.selectFrom('tickets').select('id').where('status', '<>', 'closed').where('response_due_at', 'is', null).orderBy('id').limit(4).execute();
  expect(open).toHaveLength(4);
  for (const [k, { id }] of open.entries()) {
    const dueAt = k < 2 ? new Date(now.getTime() - 60_000) : new Date(now.getTime() + 3_600_000);
    await t.db.updateTable('tickets').set({ response_due_at: dueAt, response_required_at: new Date(now.getTime() - 3_600_000) }).where('id', '=', id).execute();
  }
}

function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
}

/**
 * Enough due work that a run takes long enough for the three instances' runs to overlap: 300 new
 * Riverside patients, each with an unpaid responsibility posted 31 days ago (a 30-day statement is
 * due), a recent one (a balance alert is due, subscribed on both channels), and an appointment at
 * the practice's reminder lead time from now.
 */
async function addBulkWork(t: TestContext) {
  const practice = await t.db.selectFrom('practices').select(['id', 'reminder_lead_hours']).where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
  await sql`
    with p as (
      insert into patients (practice_id, account_number, first_name, last_name, date_of_birth, mobile_phone, email)
      select ${practice.id}, 'BULK-' || i, 'Bulk', 'Patient' || i, date '1970-01-01' + i, '+1555017' || lpad(i::text, 4, '0'), 'bulk' || i || '@example.org'
        from generate_series(1, 300) i
      returning id),
    c as (
      insert into cases (practice_id, patient_id, title, opened_on)
      select ${practice.id}, id, 'Bulk case', current_date - 40 from p
      returning id, patient_id),
    l as (
      insert into ledger_entries (practice_id, patient_id, case_id, kind, amount_cents, posted_at, source)
      select ${practice.id}, c.patient_id, c.id, 'responsibility', 4000, at, 'test'
        from c, (values (now() - interval '31 days'), (now() - interval '2 days')) v(at)
      returning 1),
    s as (
      insert into subscriptions (practice_id, patient_id, kind, channel, subscribed, updated_at)
      select ${practice.id}, p.id, 'balance_alert', ch, true, now() from p, (values ('sms'), ('email')) v(ch)
      returning 1)
    insert into appointments (practice_id, patient_id, starts_at, provider_name, location, status)
    select ${practice.id}, p.id, now() + make_interval(hours => ${practice.reminder_lead_hours}) - interval '5 minutes', 'Alex Ruiz, PT', 'Main clinic', 'scheduled'
      from p`.execute(t.db);
}

function runCluster(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}
