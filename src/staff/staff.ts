import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Role } from '../db/schema.ts';
import { practiceIdOf, practiceUsers, type Actor, assertCan, PRACTICE_ADMIN } from '../auth/permissions.ts';
import { hashPassword, newPasswordField } from '../auth/passwords.ts';
import { invalidateUserSessions } from '../auth/sessions.ts';
import { recordAudit } from '../audit/audit.ts';
import { NotFound } from '../web/errors.ts';
import { fieldErrors } from '../web/field-errors.ts';

export type StaffRow = {
  id: number;
  name: string;
  email: string;
  role: Role;
  limit_messaging: boolean;
  reporting: boolean;
  active: boolean;
};

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());

const staffFields = {
  name: z.string().trim().min(1, 'Enter a name.').max(100, 'Use at most 100 characters.'),
  email: z.string().trim().toLowerCase().email('Enter a valid email address.').max(200),
  role: z.coerce.number().int().min(1, 'Choose a role.').max(5, 'Choose a role.'),
  limit_messaging: checkbox,
  reporting: checkbox,
};
export const newStaffSchema = z.object({
  ...staffFields,
  password: newPasswordField,
});
export const staffUpdateSchema = z.object({ ...staffFields, active: checkbox });

export type StaffInput = Record<string, string | undefined>;
export type StaffResult = { ok: true; id: number } | { ok: false; errors: Record<string, string> };

export async function listStaff(db: Database, actor: Actor): Promise<StaffRow[]> {
  assertCan(actor, 'staff.manage');
  return (await practiceUsers(db, actor)
    .select(['id', 'name', 'email', 'role', 'limit_messaging', 'reporting', 'active'])
    .where('kind', '=', 'staff')
    .orderBy('active', 'desc')
    .orderBy('name')
    .execute()) as StaffRow[];
}

export async function findStaffMember(db: Database, actor: Actor, id: number): Promise<StaffRow> {
  assertCan(actor, 'staff.manage');
  const row = await practiceUsers(db, actor)
    .select(['id', 'name', 'email', 'role', 'limit_messaging', 'reporting', 'active'])
    .where('kind', '=', 'staff')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound();
  return row as StaffRow;
}

export async function createStaffMember(db: Database, actor: Actor, input: StaffInput, now: Date): Promise<StaffResult> {
  assertCan(actor, 'staff.manage');
  const parsed = newStaffSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const v = parsed.data;
  if (v.role > (actor.role ?? 0)) return { ok: false, errors: { role: 'You cannot give a role above your own.' } };
  if (await emailTaken(db, v.email)) return { ok: false, errors: { email: 'Another account already uses this email.' } };
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('users')
      .values({
        kind: 'staff',
        practice_id: practiceIdOf(actor),
        email: v.email,
        name: v.name,
        role: v.role as Role,
        limit_messaging: v.limit_messaging,
        reporting: v.reporting,
        password_hash: await hashPassword(v.password),
        password_changed_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      at: now,
      actor,
      action: 'staff.created',
      recordType: 'user',
      recordId: row.id,
      details: { role: v.role, limit_messaging: v.limit_messaging, reporting: v.reporting },
    });
    return row.id;
  });
  return { ok: true, id };
}

export async function updateStaffMember(db: Database, actor: Actor, id: number, input: StaffInput, now: Date): Promise<StaffResult> {
  const existing = await findStaffMember(db, actor, id);
  const parsed = staffUpdateSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const v = parsed.data;
  const errors: Record<string, string> = {};
  if (v.role > (actor.role ?? 0)) errors.role = 'You cannot give a role above your own.';
  if (existing.role > (actor.role ?? 0)) errors.role = 'You cannot change someone whose role is above your own.';
  if (id === actor.id && v.role !== existing.role) errors.role = 'You cannot change your own role.';
  if (id === actor.id && !v.active) errors.active = 'You cannot deactivate yourself.';
  if (id === actor.id && v.role < PRACTICE_ADMIN) errors.role = 'You cannot change your own role.';
  if (v.email !== existing.email.toLowerCase() && (await emailTaken(db, v.email))) errors.email = 'Another account already uses this email.';
  if (Object.keys(errors).length) return { ok: false, errors };
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ name: v.name, email: v.email, role: v.role as Role, limit_messaging: v.limit_messaging, reporting: v.reporting, active: v.active })
      .where('id', '=', existing.id) // loaded through practiceUsers above
      .execute();
    if (!v.active) await invalidateUserSessions(trx, id);
    const changed = Object.fromEntries(
      (['role', 'limit_messaging', 'reporting', 'active', 'name', 'email'] as const)
        .filter((k) => String(existing[k]) !== String(v[k]))
        .map((k) => [k, k === 'name' || k === 'email' ? 'changed' : { from: existing[k], to: v[k] }]),
    );
    await recordAudit(trx, { at: now, actor, action: 'staff.updated', recordType: 'user', recordId: id, details: changed });
  });
  return { ok: true, id };
}

async function emailTaken(db: Database, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  return !!row;
}
