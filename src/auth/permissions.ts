import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Database } from '../db/database.ts';
import { inIds } from '../db/id-lists.ts';
import type { DB, Department, Patient, Role, TicketDepartment, User, Visibility } from '../db/schema.ts';
import { NotFound } from '../web/errors.ts';

// Who may do what, and which rows they may see: the one place these rules live.

export const FRONT_DESK = 1, CLINICIAN = 2, THERAPY_DIRECTOR = 3, PRACTICE_ADMIN = 4, BUSINESS_OWNER = 5;

/** A signed-in person: practice staff or a member of the vendor's team. */
export type Actor = Pick<
  User,
  'id' | 'kind' | 'practice_id' | 'role' | 'name' | 'email' | 'limit_messaging' | 'reporting' | 'active' | 'vendor_admin'
> & {
  /** Vendor users: their departments. Empty for staff. */
  departments: Department[];
  /** Vendor users: the practices they are account manager of. Empty for staff. */
  managedPracticeIds: number[];
};

export const CAPABILITIES = [
  'tickets.use',
  'tickets.createAdminLevel',
  'feedback.use',
  'patients.view',
  'patients.import',
  'staff.manage',
  'settings.view',
  'engagement.configure',
  'emergency.send',
  'payments.configure',
  'payments.refund',
  'reports.run',
  'audit.view',
  'deliverability.view',
  'vendor.console',
  'vendor.admin',
  'feedback.setStatus',
  'statements.print',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export function can(actor: Actor, capability: Capability): boolean {
  if (!actor.active) return false;
  if (actor.kind === 'vendor') {
    switch (capability) {
      case 'vendor.console':
      case 'feedback.use':
        return true;
      case 'vendor.admin':
      case 'audit.view':
        return actor.vendor_admin;
      case 'feedback.setStatus':
        return actor.vendor_admin || actor.departments.includes('product');
      case 'statements.print':
        return actor.vendor_admin || actor.departments.includes('billing');
      default:
        return false;
    }
  }
  const role = actor.role ?? 0;
  switch (capability) {
    case 'tickets.use':
    case 'feedback.use':
      return !actor.limit_messaging;
    case 'tickets.createAdminLevel':
      return !actor.limit_messaging && role >= PRACTICE_ADMIN;
    case 'patients.view':
      return true;
    case 'settings.view':
      return role >= THERAPY_DIRECTOR;
    case 'engagement.configure':
    case 'emergency.send':
      return role >= THERAPY_DIRECTOR;
    case 'staff.manage':
    case 'patients.import':
    case 'payments.configure':
    case 'payments.refund':
    case 'audit.view':
    case 'deliverability.view':
      return role >= PRACTICE_ADMIN;
    case 'reports.run':
      return actor.reporting;
    default:
      return false;
  }
}

/** Every capability as a yes or no: what pages read (`ctx.may`) instead of asking the rule themselves. */
export function capabilitiesOf(actor: Actor): Record<Capability, boolean> {
  return Object.fromEntries(CAPABILITIES.map((c) => [c, can(actor, c)])) as Record<Capability, boolean>;
}

export class Forbidden extends Error {}
/** Refuses as "not found": what a user may not use does not exist for them. */
export function assertCan(actor: Actor, capability: Capability): void {
  if (!can(actor, capability)) throw new Forbidden(capability);
}

/** The practice a staff member belongs to; every practice-scoped query starts here. */
export function practiceIdOf(actor: Actor): number {
  if (actor.kind !== 'staff' || actor.practice_id == null) throw new Forbidden('practice scope');
  return actor.practice_id;
}

export async function loadActor(db: Database, user: User): Promise<Actor> {
  const base = {
    id: user.id,
    kind: user.kind,
    practice_id: user.practice_id,
    role: user.role,
    name: user.name,
    email: user.email,
    limit_messaging: user.limit_messaging,
    reporting: user.reporting,
    active: user.active,
    vendor_admin: user.vendor_admin,
  };
  if (user.kind !== 'vendor') return { ...base, departments: [], managedPracticeIds: [] };
  const [departments, managed] = await Promise.all([
    db.selectFrom('vendor_departments').select('department').where('user_id', '=', user.id).execute(),
    db.selectFrom('practices').select('id').where('account_manager_id', '=', user.id).execute(),
  ]);
  return { ...base, departments: departments.map((d) => d.department), managedPracticeIds: managed.map((p) => p.id) };
}

// ---- Ticket visibility -------------------------------------------------------------------

/** The role groups of "Visible To" that a staff member belongs to by their role alone. */
export function visibilityGroupsOf(role: number): Visibility[] {
  const groups: Visibility[] = ['anyone'];
  if (role === BUSINESS_OWNER) groups.push('owners');
  if (role === CLINICIAN || role === THERAPY_DIRECTOR) groups.push('clinical');
  if (role >= PRACTICE_ADMIN) groups.push('admins');
  return groups;
}

export type TicketVisibilityFacts = {
  practice_id: number;
  department: string;
  visibility: Visibility;
  visible_user_id: number | null;
  admin_level: boolean;
  created_by_user_id: number;
};

/**
 * The rule of docs/rules.md, Visibility, as a pure function. `ticketVisibleTo` below is the same rule in SQL;
 * the permission tests check that the two agree.
 */
export function mayActorSeeTicket(actor: Actor, t: TicketVisibilityFacts): boolean {
  if (!actor.active) return false;
  if (actor.kind === 'vendor') {
    return (
      actor.vendor_admin ||
      actor.departments.includes(t.department as Department) ||
      actor.managedPracticeIds.includes(t.practice_id)
    );
  }
  if (actor.limit_messaging || t.practice_id !== actor.practice_id) return false;
  const role = actor.role ?? 0;
  if (t.admin_level && role < PRACTICE_ADMIN) return false;
  switch (t.visibility) {
    case 'only_me':
      return t.created_by_user_id === actor.id;
    case 'person':
      return t.visible_user_id === actor.id;
    default:
      return t.created_by_user_id === actor.id || visibilityGroupsOf(role).includes(t.visibility);
  }
}

/**
 * Visible To values and departments as literals: they come from the code (a role's groups, a user's
 * departments), never from a request. As parameters PostgreSQL cannot estimate a prepared statement's
 * generic plan from their frequencies, finds it dearer than a custom one and plans the page afresh
 * on every request (docs/performance-log.md, "Generic plans kept").
 */
function literals<T extends string>(values: readonly T[]) {
  return values.map((v) => sql.lit(v));
}

/**
 * A where-clause for the `tickets` table: only the threads this actor may see. Its staff half is
 * written once more in SQL for the unread sets' triggers (`staff_may_see`, migration
 * 20261205_0100_staff_unread; the vendor half in vendor_unread's, 20261203_1800): a change here is
 * a migration there, and test/tickets/staff-unread.test.ts fails until both agree.
 */
export function ticketVisibleTo(actor: Actor) {
  return (eb: ExpressionBuilder<DB, 'tickets'>): Expression<SqlBool> => {
    if (!actor.active) return sql<boolean>`false`;
    if (actor.kind === 'vendor') {
      if (actor.vendor_admin) return sql<boolean>`true`;
      const ors: Expression<SqlBool>[] = [];
      const departments = actor.departments.filter((d) => d !== 'product');
      if (departments.length) ors.push(eb('tickets.department', 'in', literals(departments)));
      if (actor.managedPracticeIds.length) ors.push(inIds('tickets.practice_id', actor.managedPracticeIds));
      return ors.length ? eb.or(ors) : sql<boolean>`false`;
    }
    if (actor.limit_messaging || actor.practice_id == null) return sql<boolean>`false`;
    const role = actor.role ?? 0;
    const conditions: Expression<SqlBool>[] = [eb('tickets.practice_id', '=', actor.practice_id)];
    if (role < PRACTICE_ADMIN) conditions.push(eb('tickets.admin_level', '=', false));
    conditions.push(
      eb.or([
        eb('tickets.visibility', 'in', literals(visibilityGroupsOf(role))),
        eb.and([
          eb('tickets.visibility', 'in', literals(['only_me', 'owners', 'clinical', 'admins'] as Visibility[])),
          eb('tickets.created_by_user_id', '=', actor.id),
        ]),
        eb.and([eb('tickets.visibility', '=', sql.lit('person')), eb('tickets.visible_user_id', '=', actor.id)]),
      ]),
    );
    return eb.and(conditions);
  };
}

/** All threads this actor may see: the only way ticket rows are loaded for a user. */
export function visibleTickets(db: Database, actor: Actor) {
  return db.selectFrom('tickets').where(ticketVisibleTo(actor));
}

/**
 * How a vendor user sees these departments (docs/rules.md, Visibility): `whole`, visible whole (their
 * own departments; every one for a vendor admin); `byPractice`, the others, visible only for the
 * practices they manage (`managed`). Nothing for anyone else: the console is the vendor's.
 */
export function departmentScope(actor: Actor, departments: TicketDepartment[]): { whole: TicketDepartment[]; byPractice: TicketDepartment[]; managed: number[] } {
  if (actor.kind !== 'vendor' || !actor.active) return { whole: [], byPractice: [], managed: [] };
  const whole = actor.vendor_admin ? departments : departments.filter((d) => actor.departments.includes(d));
  const byPractice = actor.managedPracticeIds.length ? departments.filter((d) => !whole.includes(d)) : [];
  return { whole, byPractice, managed: actor.managedPracticeIds };
}

/**
 * The threads of these departments this actor may see: visibleTickets narrowed to `departments`, with
 * what the department already implies left out (departmentScope). Only an account manager's other
 * departments keep the practice test; the console's reads then take one index range each instead of
 * an OR of two.
 */
export function visibleTicketsInDepartments(db: Database, actor: Actor, departments: TicketDepartment[]) {
  if (actor.kind !== 'vendor' || !actor.active) return visibleTickets(db, actor).where('tickets.department', 'in', literals(departments));
  const { whole, byPractice, managed } = departmentScope(actor, departments);
  return db.selectFrom('tickets').where((eb) => {
    const ors: Expression<SqlBool>[] = [];
    if (whole.length) ors.push(eb('tickets.department', 'in', literals(whole)));
    if (byPractice.length) ors.push(eb.and([eb('tickets.department', 'in', literals(byPractice)), inIds('tickets.practice_id', managed)]));
    return ors.length ? eb.or(ors) : sql<boolean>`false`;
  });
}

// ---- Tenant scopes: every query on a practice's rows starts from one of these ----------------

/** The actor's practice's patients (staff only; the vendor's team reads a patient only through a thread). */
export function practicePatients(db: Database, actor: Actor) {
  return db.selectFrom('patients').where('patients.practice_id', '=', practiceIdOf(actor));
}

/** One patient account of the actor's practice, or 404: the one way a patient id from a request is checked. */
export async function findPatient(db: Database, actor: Actor, id: number): Promise<Patient> {
  const row = await practicePatients(db, actor).selectAll('patients').where('patients.id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

/** The actor's practice's appointments. */
export function practiceAppointments(db: Database, actor: Actor) {
  return db.selectFrom('appointments as a').where('a.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's ledger entries. */
export function practiceLedger(db: Database, actor: Actor) {
  return db.selectFrom('ledger_entries').where('ledger_entries.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's statements. */
export function practiceStatements(db: Database, actor: Actor) {
  return db.selectFrom('statements as s').where('s.practice_id', '=', practiceIdOf(actor));
}

/**
 * Outbox messages the actor may read: a practice's staff, their practice's; vendor admins, every
 * practice's (Sent Messages, Jobs). Anyone else reads none.
 */
export function practiceMessages(db: Database, actor: Actor) {
  const q = db.selectFrom('outbox_messages as m');
  if (actor.kind === 'vendor') return can(actor, 'vendor.admin') ? q : q.where(sql<boolean>`false`);
  return q.where('m.practice_id', '=', practiceIdOf(actor));
}

/** The actor's own practice's row (staff only): its name, phone, time zone and settings. */
export function ownPractice(db: Database, actor: Actor) {
  return db.selectFrom('practices').where('practices.id', '=', practiceIdOf(actor));
}

/** The people of the actor's practice (staff only; the vendor's team has no practice). */
export function practiceUsers(db: Database, actor: Actor) {
  return db.selectFrom('users').where('users.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's CSV imports. */
export function practiceImports(db: Database, actor: Actor) {
  return db.selectFrom('imports').where('imports.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's emergency notices. */
export function practiceEmergencyNotices(db: Database, actor: Actor) {
  return db.selectFrom('emergency_notices as n').where('n.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's Authorize.net settings (one row at most). */
export function practicePaymentSettings(db: Database, actor: Actor) {
  return db.selectFrom('payment_settings').where('payment_settings.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's online payment requests (Accept Hosted forms and what came of them). */
export function practicePaymentRequests(db: Database, actor: Actor) {
  return db.selectFrom('payment_requests').where('payment_requests.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's refunds and voids of online payments. */
export function practicePaymentRefunds(db: Database, actor: Actor) {
  return db.selectFrom('payment_refunds').where('payment_refunds.practice_id', '=', practiceIdOf(actor));
}

/** The actor's practice's portal links. */
export function practicePortalLinks(db: Database, actor: Actor) {
  return db.selectFrom('portal_links').where('portal_links.practice_id', '=', practiceIdOf(actor));
}

/**
 * The audit trail the actor may read: a practice's staff, their practice's rows; vendor admins,
 * every practice's. Anyone else reads none. (Ticket rows are narrowed further by the reader's ticket
 * visibility in src/audit/search.ts.)
 */
export function practiceAuditLog(db: Database, actor: Actor) {
  const q = db.selectFrom('audit_log');
  if (actor.kind === 'vendor') return can(actor, 'vendor.admin') ? q : q.where(sql<boolean>`false`);
  return q.where('audit_log.practice_id', '=', practiceIdOf(actor));
}
