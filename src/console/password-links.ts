import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { hashPassword, newPasswordField } from '../auth/passwords.ts';
import { invalidateUserSessions } from '../auth/sessions.ts';
import { recordAudit } from '../audit/audit.ts';
import { enqueueMessage } from '../messaging/outbox.ts';

// Set-password links for people the vendor invites (a practice's first Practice Administrator, a new
// colleague). The email holds a random token; the database keeps only its SHA-256, with an expiry,
// and the link works once.

export const INVITE_TTL_MS = 72 * 3_600_000;

export function hashLinkToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** Issues a link and queues the invitation email in the caller's transaction. */
export async function sendSetPasswordLink(
  db: Database,
  now: Date,
  publicUrl: string,
  input: { userId: number; email: string; name: string; practiceId: number | null; invitedBy: number; welcome: string },
): Promise<void> {
  const bytes = new Uint8Array(25);
  crypto.getRandomValues(bytes);
  const token = encodeBase32LowerCaseNoPadding(bytes);
  const row = await db
    .insertInto('password_tokens')
    .values({ user_id: input.userId, token_hash: hashLinkToken(token), purpose: 'invite', created_by_user_id: input.invitedBy, created_at: now, expires_at: new Date(now.getTime() + INVITE_TTL_MS) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await enqueueMessage(db, now, {
    practiceId: input.practiceId,
    userId: input.userId,
    kind: 'staff_invite',
    channel: 'email',
    recipient: input.email,
    subject: 'Set your StrataEMR password',
    body:
      `Hello ${input.name},\n\n${input.welcome}\n\nChoose your password here (the link works once and expires in 3 days):\n\n` +
      `${publicUrl}/set-password/${token}\n\nIf you did not expect this email, ignore it or call StrataPT support at 866-281-7636.\n`,
    reason: { passwordTokenId: row.id },
    dedupeKey: `password-token:${row.id}`,
  });
}

/** The account a link belongs to, if it is still usable. */
export async function findUsableLink(db: Database, token: string, now: Date) {
  if (!/^[a-z2-7]{20,80}$/.test(token)) return null;
  const row = await db
    .selectFrom('password_tokens')
    .innerJoin('users', 'users.id', 'password_tokens.user_id')
    .select(['password_tokens.id', 'password_tokens.user_id', 'users.name', 'users.email', 'users.kind', 'users.practice_id'])
    .where('password_tokens.token_hash', '=', hashLinkToken(token))
    .where('password_tokens.used_at', 'is', null)
    .where('password_tokens.expires_at', '>', now)
    .where('users.active', '=', true)
    .executeTakeFirst();
  return row ?? null;
}

const passwordSchema = z
  .object({
    password: newPasswordField,
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords do not match.' });

/** Sets the password from a link, once: the link and any other open links of the account are used up. */
export async function setPasswordFromLink(
  db: Database,
  token: string,
  input: Record<string, string | undefined>,
  now: Date,
  ip: string | null,
): Promise<{ ok: true } | { ok: false; expired?: boolean; errors: Record<string, string> }> {
  const parsed = passwordSchema.safeParse(input);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
    return { ok: false, errors };
  }
  const passwordHash = await hashPassword(parsed.data.password);
  return db.transaction().execute(async (trx) => {
    const link = await trx
      .selectFrom('password_tokens')
      .select(['id', 'user_id'])
      .where('token_hash', '=', hashLinkToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .forUpdate()
      .executeTakeFirst();
    if (!link) return { ok: false, expired: true, errors: {} };
    const user = await trx.selectFrom('users').select(['id', 'kind', 'practice_id']).where('id', '=', link.user_id).executeTakeFirstOrThrow();
    await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: now }).where('id', '=', user.id).execute();
    await trx.updateTable('password_tokens').set({ used_at: now }).where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    await invalidateUserSessions(trx, user.id);
    await recordAudit(trx, { at: now, actor: { kind: 'anonymous', practice_id: user.practice_id }, action: 'password.set_from_link', recordType: 'user', recordId: user.id, ip });
    return { ok: true } as const;
  });
}
