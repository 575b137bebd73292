import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Actor } from './permissions.ts';
import { hashPassword, newPasswordField, verifyPassword } from './passwords.ts';
import { invalidateUserSessions } from './sessions.ts';
import { recordAudit } from '../audit/audit.ts';
import { fieldErrors } from '../web/field-errors.ts';

// The signed-in user's own account: their password, their ticket email preference, their practice.

const passwordChange = z
  .object({
    current: z.string().min(1, 'Enter your current password.'),
    password: newPasswordField,
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two new passwords do not match.' });

/** Changes the password after checking the current one, and signs out every other session (a stolen one dies with the old password). */
export async function changePassword(
  db: Database,
  actor: Actor,
  change: { fields: Record<string, string | undefined>; keepSessionId: string; ip: string | null; now: Date },
): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
  const { now } = change;
  const parsed = passwordChange.safeParse(change.fields);
  const errors: Record<string, string> = parsed.success ? {} : fieldErrors(parsed.error);
  const user = await db.selectFrom('users').select('password_hash').where('id', '=', actor.id).executeTakeFirstOrThrow();
  if (parsed.success && !(await verifyPassword(user.password_hash, parsed.data.current))) errors.current = 'That is not your current password.';
  if (Object.keys(errors).length || !parsed.success) return { ok: false, errors };
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: await hashPassword(parsed.data.password), password_changed_at: now })
      .where('id', '=', actor.id)
      .execute();
    await invalidateUserSessions(trx, actor.id, change.keepSessionId);
    await recordAudit(trx, { at: now, actor, action: 'password.changed', recordType: 'user', recordId: actor.id, ip: change.ip });
  });
  return { ok: true };
}

/** Whether this user gets ticket emails. */
export async function ticketEmailPreference(db: Database, actor: Actor): Promise<boolean> {
  const user = await db.selectFrom('users').select('notify_email').where('id', '=', actor.id).executeTakeFirstOrThrow();
  return user.notify_email;
}

export async function setTicketEmailPreference(db: Database, actor: Actor, change: { on: boolean; now: Date }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ notify_email: change.on }).where('id', '=', actor.id).execute();
    await recordAudit(trx, { at: change.now, actor, action: 'notifications.ticket_email.changed', recordType: 'user', recordId: actor.id, details: { on: change.on } });
  });
}

/** The staff member's practice (name, phone, time zone) for every page's header; null for the vendor's team. */
export async function actorPractice(db: Database, actor: Actor): Promise<{ id: number; name: string; phone: string; time_zone: string } | null> {
  if (actor.kind !== 'staff' || actor.practice_id == null) return null;
  return db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone']).where('id', '=', actor.practice_id).executeTakeFirstOrThrow();
}
