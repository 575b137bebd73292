import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import type { Database } from '../db/database.ts';
import type { Language } from '../db/schema.ts';
import { hashPortalToken } from './links.ts';

// After the date-of-birth check: a short portal session in an HttpOnly cookie scoped to /portal,
// stored only as the SHA-256 of its token. Idle 15 minutes, at most an hour.

export const PORTAL_COOKIE = 'strata_portal';
export const PORTAL_SESSION_IDLE_MS = 15 * 60_000;
export const PORTAL_SESSION_MAX_MS = 60 * 60_000;

/** `language`: the patient's preferred language, the portal's until the patient switches (docs/rules.md, Language). */
export type PortalSession = { id: string; practiceId: number; patientId: number; linkId: number; expiresAt: Date; language: Language };

export async function createPortalSession(
  db: Database,
  now: Date,
  link: { practiceId: number; patientId: number; linkId: number },
): Promise<{ token: string; session: PortalSession }> {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  const token = encodeBase64urlNoPadding(bytes);
  const id = hashPortalToken(token);
  const expiresAt = new Date(now.getTime() + PORTAL_SESSION_IDLE_MS);
  await db.deleteFrom('portal_sessions').where('link_id', '=', link.linkId).where('expires_at', '<=', now).execute();
  await db
    .insertInto('portal_sessions')
    .values({ id, practice_id: link.practiceId, patient_id: link.patientId, link_id: link.linkId, created_at: now, last_active_at: now, expires_at: expiresAt })
    .execute();
  const patient = await db.selectFrom('patients').select('preferred_language').where('id', '=', link.patientId).executeTakeFirstOrThrow();
  return { token, session: { id, practiceId: link.practiceId, patientId: link.patientId, linkId: link.linkId, expiresAt, language: patient.preferred_language } };
}

/** The live session for a cookie's token, its expiry slid forward; null when absent or expired. */
export async function validatePortalSession(db: Database, now: Date, token: string | undefined): Promise<PortalSession | null> {
  if (!token || token.length > 100) return null;
  const id = hashPortalToken(token);
  // Named columns (a `portal_sessions.*` statement is not kept prepared: src/db/database.ts) and the
  // patient by primary key: as a join the planner took a merge join over patients in id order.
  const row = await db
    .selectFrom('portal_sessions')
    .select((eb) => [
      'practice_id',
      'patient_id',
      'link_id',
      'created_at',
      'last_active_at',
      'expires_at',
      eb.selectFrom('patients').select('patients.preferred_language').whereRef('patients.id', '=', 'portal_sessions.patient_id').as('preferred_language'),
    ])
    .where('portal_sessions.id', '=', id)
    .executeTakeFirst();
  if (!row || !row.preferred_language) return null;
  if (row.expires_at.getTime() <= now.getTime()) {
    await db.deleteFrom('portal_sessions').where('id', '=', id).execute();
    return null;
  }
  let expiresAt = row.expires_at;
  if (now.getTime() - row.last_active_at.getTime() > 60_000) {
    expiresAt = new Date(Math.min(now.getTime() + PORTAL_SESSION_IDLE_MS, row.created_at.getTime() + PORTAL_SESSION_MAX_MS));
    await db.updateTable('portal_sessions').set({ last_active_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
  }
  return { id, practiceId: row.practice_id, patientId: row.patient_id, linkId: row.link_id, expiresAt, language: row.preferred_language };
}

export async function deletePortalSession(db: Database, sessionId: string): Promise<void> {
  await db.deleteFrom('portal_sessions').where('id', '=', sessionId).execute();
}

export async function deleteExpiredPortalSessions(db: Database, now: Date): Promise<number> {
  const r = await db.deleteFrom('portal_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
