// Which of the pages' statements PostgreSQL keeps a generic plan for, on the bench dataset: each page's
// domain function 110 times on one connection (the first 10 warm), then pg_prepared_statements' counts
// of generic and custom plans per statement, and the time per call. A statement planned afresh on every
// call shows 0 generic plans (docs/performance-log.md, "Generic plans kept").
//   npx tsx bench/generic-plans.ts [DATABASE_URL]
import { sql } from 'kysely';
import { openPostgres } from '../src/db/database.ts';
import { loadActor } from '../src/auth/permissions.ts';
import { listThreadsNeedingReply, listTickets } from '../src/tickets/list.ts';
import { findOverdueBlock } from '../src/tickets/overdue.ts';
import { loadDashboard } from '../src/web/dashboard.ts';
import { loadQueue } from '../src/tickets/queues.ts';
import { createSession } from '../src/auth/sessions.ts';
import { loadSignedInRequest } from '../src/web/context.ts';
import { preparePortalSession } from './portal.ts';
import { validatePortalSession } from '../src/portal/sessions.ts';
import { portalAccount } from '../src/portal/account.ts';

const url = process.argv[2] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/strata_bench';
const opened = await openPostgres(url, 1);
const db = opened.db;
const users = db.selectFrom('users').selectAll().where('active', '=', true).orderBy('users.id');
const staff = await users.where('kind', '=', 'staff').where('role', '=', 4).where('practice_id', '=', 7).executeTakeFirstOrThrow();
const vendorAdmin = await users.where('kind', '=', 'vendor').where('vendor_admin', '=', true).executeTakeFirstOrThrow();
const member = await users.where('kind', '=', 'vendor').where('vendor_admin', '=', false)
  .where((eb) => eb.exists(eb.selectFrom('vendor_departments').select('user_id').whereRef('vendor_departments.user_id', '=', 'users.id').where('department', '=', 'success')))
  .executeTakeFirstOrThrow();
const [admin, vAdmin, vMember] = [await loadActor(db, staff), await loadActor(db, vendorAdmin), await loadActor(db, member)];
const now = new Date();
// The statement every signed-in page runs first (session, user, practice, menu badge), for a staff user and a vendor member.
const policy = { idleMs: 6 * 3_600_000, maxMs: 12 * 3_600_000 };
const [staffToken, memberToken] = [(await createSession(db, now, policy, staff.id)).token, (await createSession(db, now, policy, member.id)).token];
// A patient of the same practice with a verified portal session (bench/portal.ts).
const patient = await db.selectFrom('patients').select(['id', 'practice_id']).where('practice_id', '=', 7).orderBy('id').limit(1).executeTakeFirstOrThrow();
const portal = await preparePortalSession(db, now, 'http://localhost', { practiceId: patient.practice_id, patientId: patient.id });
const pages: [string, () => Promise<unknown>][] = [
  ['the signed-in request (practice admin)', () => loadSignedInRequest(db, new Date(), policy, staffToken, { withMenu: true })],
  ['the signed-in request (vendor member)', () => loadSignedInRequest(db, new Date(), policy, memberToken, { withMenu: true })],
  ['Get Help, page 1 with the filter counts and the Overdue check (practice admin)', () => listTickets(db, admin, { now, page: 1, overdueCheck: true })],
  ['Get Help, page 3', () => listTickets(db, admin, { now, page: 3, overdueCheck: true })],
  ['the Dashboard (Needs your reply, its count, the Overdue check, the appointment changes)', () => loadDashboard(db, admin, now)],
  ['the live panel\'s Needs your reply (no Overdue check)', () => listThreadsNeedingReply(db, admin, now)],
  ['the Overdue block (a search\'s, or when something is overdue)', () => findOverdueBlock(db, admin, now)],
  ['the portal balance page (session, the page, its audit row)', async () => portalAccount(db, (await validatePortalSession(db, new Date(), portal.token))!, new Date(), { ip: null })],
  ['Customer Success queue (member)', () => loadQueue(db, vMember, { department: 'success', filter: 'vendor', page: 1 }, now)],
  ['Customer Success queue (vendor admin, open)', () => loadQueue(db, vAdmin, { department: 'success', filter: 'open', page: 1 }, now)],
];
for (const [name, call] of pages) {
  for (let i = 0; i < 10; i++) await call();
  const started = performance.now();
  for (let i = 0; i < 100; i++) await call();
  console.log(`${name}: ${((performance.now() - started) / 100).toFixed(2)} ms a call`);
}
const { rows } = await sql<{ statement: string; generic_plans: string | number; custom_plans: string | number }>`
  select statement, generic_plans, custom_plans from pg_prepared_statements order by custom_plans desc, generic_plans desc`.execute(db);
console.log('\ngeneric | custom | statement');
for (const r of rows) console.log(`${String(r.generic_plans).padStart(7)} | ${String(r.custom_plans).padStart(6)} | ${r.statement.replace(/\s+/g, ' ').slice(0, 150)}`);
await db.deleteFrom('sessions').where('user_id', 'in', [staff.id, member.id]).where('created_at', '=', now).execute();
await opened.close();
