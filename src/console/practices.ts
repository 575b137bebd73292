import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Department } from '../db/schema.ts';
import { assertCan, type Actor, PRACTICE_ADMIN } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { NotFound } from '../web/errors.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { sendSetPasswordLink } from './password-links.ts';
import { TEAM_DEPARTMENTS } from './labels.ts';

// Practices (tenants) and the vendor's own team, managed by vendor admins.

export type Result = { ok: true; id: number } | { ok: false; errors: Record<string, string> };

const timeZones = new Set(Intl.supportedValuesOf('timeZone'));

const practiceFields = {
  name: z.string().trim().min(1, 'Enter the practice’s name.').max(150, 'Use at most 150 characters.'),
  phone: z.string().trim().regex(/^[0-9()+\-. ]{7,25}$/, 'Enter a phone number, e.g. (555) 010-2000.'),
  time_zone: z.string().refine((v) => timeZones.has(v), 'Choose a time zone from the list.'),
  go_live_on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the go-live date.').refine((v) => !Number.isNaN(Date.parse(v)), 'Enter a real date.'),
  hypercare_days: z.coerce.number({ error: 'Enter a number of days.' }).int('Enter whole days.').min(30, 'Hypercare lasts 30 to 60 days.').max(60, 'Hypercare lasts 30 to 60 days.'),
  account_manager_id: z.string().optional(),
};
const newPracticeSchema = z.object({
  ...practiceFields,
  admin_name: z.string().trim().min(1, 'Enter the Practice Administrator’s name.').max(100, 'Use at most 100 characters.'),
  admin_email: z.string().trim().toLowerCase().email('Enter a valid email address.').max(200),
});
const practiceSchema = z.object(practiceFields);

export async function listPractices(db: Database, actor: Actor) {
  assertCan(actor, 'vendor.admin');
  return db
    .selectFrom('practices')
    .leftJoin('users as manager', 'manager.id', 'practices.account_manager_id')
    .select(['practices.id', 'practices.name', 'practices.phone', 'practices.time_zone', 'practices.go_live_on', 'practices.hypercare_days', 'manager.name as account_manager'])
    .orderBy('practices.name')
    .execute();
}

export async function findPractice(db: Database, actor: Actor, id: number) {
  assertCan(actor, 'vendor.admin');
  const row = await db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone', 'go_live_on', 'hypercare_days', 'account_manager_id']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

/** Vendor users who may be a practice's account manager. */
export async function listAccountManagers(db: Database) {
  return db.selectFrom('users').select(['id', 'name']).where('kind', '=', 'vendor').where('active', '=', true).orderBy('name').execute();
}

/** Creates a practice and its first Practice Administrator, who is emailed a set-password link. */
export async function createPractice(db: Database, actor: Actor, input: Record<string, string | undefined>, now: Date, publicUrl: string): Promise<Result> {
  assertCan(actor, 'vendor.admin');
  const parsed = newPracticeSchema.safeParse(input);
  const errors = parsed.success ? {} : fieldErrors(parsed.error);
  const managerId = await checkManager(db, input.account_manager_id, errors);
  if (parsed.success && (await emailTaken(db, parsed.data.admin_email))) errors.admin_email = 'Another account already uses this email.';
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const v = parsed.data;
  const id = await db.transaction().execute(async (trx) => {
    const practice = await trx
      .insertInto('practices')
      .values({ name: v.name, phone: v.phone, time_zone: v.time_zone, go_live_on: v.go_live_on, hypercare_days: v.hypercare_days, account_manager_id: managerId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const admin = await trx
      .insertInto('users')
      .values({ kind: 'staff', practice_id: practice.id, email: v.admin_email, name: v.admin_name, role: PRACTICE_ADMIN, reporting: true, password_hash: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sendSetPasswordLink(trx, now, publicUrl, {
      userId: admin.id,
      email: v.admin_email,
      name: v.admin_name,
      practiceId: practice.id,
      invitedBy: actor.id,
      welcome: `StrataPT has set up ${v.name} in StrataEMR, with you as its Practice Administrator.`,
    });
    await recordAudit(trx, { at: now, actor, action: 'vendor.practice.created', practiceId: practice.id, recordType: 'practice', recordId: practice.id, details: { admin_user_id: admin.id } });
    return practice.id;
  });
  return { ok: true, id };
}

export async function updatePractice(db: Database, actor: Actor, id: number, input: Record<string, string | undefined>, now: Date): Promise<Result> {
  const existing = await findPractice(db, actor, id);
  const parsed = practiceSchema.safeParse(input);
  const errors = parsed.success ? {} : fieldErrors(parsed.error);
  const managerId = await checkManager(db, input.account_manager_id, errors);
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const v = parsed.data;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('practices')
      .set({ name: v.name, phone: v.phone, time_zone: v.time_zone, go_live_on: v.go_live_on, hypercare_days: v.hypercare_days, account_manager_id: managerId })
      .where('id', '=', id)
      .execute();
    const changed = (['name', 'phone', 'time_zone', 'go_live_on', 'hypercare_days'] as const).filter((k) => String(existing[k]) !== String(v[k]));
    if (existing.account_manager_id !== managerId) changed.push('account_manager_id' as never);
    await recordAudit(trx, { at: now, actor, action: 'vendor.practice.updated', practiceId: id, recordType: 'practice', recordId: id, details: { changed } });
  });
  return { ok: true, id };
}

async function checkManager(db: Database, raw: string | undefined, errors: Record<string, string>): Promise<number | null> {
  if (!raw) return null;
  const id = Number(raw);
  const managers = await listAccountManagers(db);
  if (!managers.some((m) => m.id === id)) {
    errors.account_manager_id = 'Choose an account manager from the list.';
    return null;
  }
  return id;
}

// ---- The vendor's team -----------------------------------------------------------------------

export async function listTeam(db: Database, actor: Actor) {
  assertCan(actor, 'vendor.admin');
  const [users, departments] = await Promise.all([
    db.selectFrom('users').select(['id', 'name', 'email', 'vendor_admin', 'active']).where('kind', '=', 'vendor').orderBy('active', 'desc').orderBy('name').execute(),
    db.selectFrom('vendor_departments').select(['user_id', 'department']).execute(),
  ]);
  return users.map((u) => ({ ...u, departments: departments.filter((d) => d.user_id === u.id).map((d) => d.department) }));
}

export async function findTeamMember(db: Database, actor: Actor, id: number) {
  const member = (await listTeam(db, actor)).find((u) => u.id === id);
  if (!member) throw new NotFound();
  return member;
}

const teamFields = {
  name: z.string().trim().min(1, 'Enter a name.').max(100, 'Use at most 100 characters.'),
  email: z.string().trim().toLowerCase().email('Enter a valid email address.').max(200),
  vendor_admin: z.preprocess((v) => v === 'on' || v === 'true', z.boolean()),
};

function departmentsOf(input: Record<string, string | string[] | undefined>): Department[] {
  const raw = input.departments;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return TEAM_DEPARTMENTS.filter((d) => list.includes(d));
}

/** Adds a colleague to the vendor's team; they get a set-password link by email. */
export async function createTeamMember(db: Database, actor: Actor, input: Record<string, string | string[] | undefined>, now: Date, publicUrl: string): Promise<Result> {
  assertCan(actor, 'vendor.admin');
  const parsed = z.object(teamFields).safeParse(input);
  const errors = parsed.success ? {} : fieldErrors(parsed.error);
  const departments = departmentsOf(input);
  if (parsed.success && !departments.length && !parsed.data.vendor_admin) errors.departments = 'Choose at least one department.';
  if (parsed.success && (await emailTaken(db, parsed.data.email))) errors.email = 'Another account already uses this email.';
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const v = parsed.data;
  const id = await db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto('users')
      .values({ kind: 'vendor', practice_id: null, email: v.email, name: v.name, vendor_admin: v.vendor_admin, password_hash: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (departments.length) await trx.insertInto('vendor_departments').values(departments.map((department) => ({ user_id: user.id, department }))).execute();
    await sendSetPasswordLink(trx, now, publicUrl, { userId: user.id, email: v.email, name: v.name, practiceId: null, invitedBy: actor.id, welcome: 'You were added to the StrataPT console.' });
    await recordAudit(trx, { at: now, actor, action: 'vendor.user.created', recordType: 'user', recordId: user.id, details: { departments, vendor_admin: v.vendor_admin } });
    return user.id;
  });
  return { ok: true, id };
}

export async function updateTeamMember(db: Database, actor: Actor, id: number, input: Record<string, string | string[] | undefined>, now: Date): Promise<Result> {
  const existing = await findTeamMember(db, actor, id);
  const parsed = z.object({ ...teamFields, active: z.preprocess((v) => v === 'on' || v === 'true', z.boolean()) }).safeParse(input);
  const errors = parsed.success ? {} : fieldErrors(parsed.error);
  const departments = departmentsOf(input);
  if (parsed.success) {
    if (!departments.length && !parsed.data.vendor_admin) errors.departments = 'Choose at least one department.';
    if (id === actor.id && !parsed.data.vendor_admin) errors.vendor_admin = 'You cannot remove your own admin rights.';
    if (id === actor.id && !parsed.data.active) errors.active = 'You cannot deactivate yourself.';
    if (parsed.data.email !== existing.email.toLowerCase() && (await emailTaken(db, parsed.data.email))) errors.email = 'Another account already uses this email.';
  }
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const v = parsed.data;
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ name: v.name, email: v.email, vendor_admin: v.vendor_admin, active: v.active }).where('id', '=', id).where('kind', '=', 'vendor').execute();
    await trx.deleteFrom('vendor_departments').where('user_id', '=', id).execute();
    if (departments.length) await trx.insertInto('vendor_departments').values(departments.map((department) => ({ user_id: id, department }))).execute();
    if (!v.active) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    await recordAudit(trx, {
      at: now,
      actor,
      action: 'vendor.user.updated',
      recordType: 'user',
      recordId: id,
      details: { departments: { from: existing.departments, to: departments }, vendor_admin: v.vendor_admin, active: v.active },
    });
  });
  return { ok: true, id };
}

async function emailTaken(db: Database, email: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())).executeTakeFirst();
  return !!row;
}
