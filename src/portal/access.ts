import type { Database } from '../db/database.ts';
import type { Language } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { practicePortalLinks, type Actor } from '../auth/permissions.ts';
import { hashPortalToken } from './links.ts';
import { createPortalSession } from './sessions.ts';
import { recordFailure, type ThrottleRule } from '../auth/throttle.ts';

// Opening a portal link: nothing about the patient is shown until the date of birth matches.
// Five wrong dates lock the link for 15 minutes. Guessing never goes on for long: ten wrong dates
// over the link's life disable it for good (the next alert brings a new one), and twenty wrong
// dates in 24 hours across all of a patient's links lock every one of them for 24 hours.
// Every attempt and view is audited, ids only.

export const MAX_DOB_ATTEMPTS = 5;
export const LOCK_MINUTES = 15;
export const MAX_LIFETIME_DOB_FAILURES = 10;
/** Per patient, across links (a throttle row, so it holds across instances). */
export const PORTAL_DOB_PER_PATIENT: ThrottleRule = { limit: 20, windowMs: 24 * 3_600_000, blockMs: 24 * 3_600_000 };

export type PracticeContact = { id: number; name: string; phone: string; time_zone: string };

export type LinkState =
  | { state: 'invalid' }
  | { state: 'expired'; practice: PracticeContact }
  | { state: 'locked'; practice: PracticeContact; until: Date }
  | { state: 'disabled'; practice: PracticeContact }
  /** finalTries: the tries left end the link for good, not for 15 minutes. */
  | { state: 'ready'; practice: PracticeContact; linkId: number; attemptsLeft: number; finalTries: boolean };

type Who = { ip: string | null };

export async function openPortalLink(db: Database, now: Date, token: string, who: Who): Promise<LinkState> {
  const link = await findLink(db, token);
  if (!link) return { state: 'invalid' };
  const practice = await practiceContact(db, link.practice_id);
  const state = stateOf(link, practice, now, await patientLockedUntil(db, link.patient_id, now));
  await recordAudit(db, {
    at: now,
    actor: { kind: 'patient', practice_id: link.practice_id },
    action: 'portal.link_opened',
    recordType: 'patient',
    recordId: link.patient_id,
    ip: who.ip,
    details: { linkId: link.id, state: state.state },
  });
  return state;
}

export type DobResult =
  | { ok: true; sessionToken: string; expiresAt: Date }
  | { ok: false; state: LinkState; wrong: boolean };

/** Checks a date of birth ('YYYY-MM-DD') against the link's patient. */
export async function verifyPortalDateOfBirth(db: Database, now: Date, token: string, dateOfBirth: string, who: Who): Promise<DobResult> {
  const result = await db.transaction().execute(async (trx) => {
    const link = await trx
      .selectFrom('portal_links')
      .innerJoin('patients', (j) => j.onRef('patients.id', '=', 'portal_links.patient_id').onRef('patients.practice_id', '=', 'portal_links.practice_id'))
      .select([
        'portal_links.id',
        'portal_links.practice_id',
        'portal_links.patient_id',
        'portal_links.expires_at',
        'portal_links.locked_until',
        'portal_links.failed_attempts',
        'portal_links.failed_total',
        'portal_links.disabled_at',
        'patients.date_of_birth',
      ])
      .where('portal_links.token_hash', '=', hashPortalToken(token))
      .forUpdate()
      .executeTakeFirst();
    if (!link) return { ok: false, state: { state: 'invalid' }, wrong: false } as const;
    const practice = await practiceContact(trx, link.practice_id);
    const state = stateOf(link, practice, now, await patientLockedUntil(trx, link.patient_id, now));
    const audit = (action: string, details: Record<string, unknown> = {}) =>
      recordAudit(trx, {
        at: now,
        actor: { kind: 'patient', practice_id: link.practice_id },
        action,
        recordType: 'patient',
        recordId: link.patient_id,
        ip: who.ip,
        details: { linkId: link.id, ...details },
      });
    if (state.state !== 'ready') {
      await audit('portal.dob_refused', { state: state.state });
      return { ok: false, state, wrong: false } as const;
    }
    if (link.date_of_birth !== dateOfBirth) {
      const attempts = link.failed_attempts + 1;
      const total = link.failed_total + 1;
      const byPatient = await recordFailure(trx, patientThrottleKey(link.patient_id), now, PORTAL_DOB_PER_PATIENT);
      if (total >= MAX_LIFETIME_DOB_FAILURES) {
        await trx.updateTable('portal_links').set({ failed_attempts: 0, failed_total: total, disabled_at: now }).where('id', '=', link.id).execute();
        await audit('portal.link_disabled', { attempts: total });
        return { ok: false, state: { state: 'disabled', practice }, wrong: true } as const;
      }
      if (attempts >= MAX_DOB_ATTEMPTS) {
        const until = new Date(now.getTime() + LOCK_MINUTES * 60_000);
        await trx.updateTable('portal_links').set({ failed_attempts: 0, failed_total: total, locked_until: until }).where('id', '=', link.id).execute();
        await audit('portal.locked', { attempts, until: until.toISOString() });
        return { ok: false, state: { state: 'locked', practice, until }, wrong: true } as const;
      }
      await trx.updateTable('portal_links').set({ failed_attempts: attempts, failed_total: total }).where('id', '=', link.id).execute();
      if (byPatient.blocked) {
        const until = new Date(now.getTime() + byPatient.retryAfterSeconds * 1000);
        await audit('portal.patient_locked', { until: until.toISOString() });
        return { ok: false, state: { state: 'locked', practice, until }, wrong: true } as const;
      }
      await audit('portal.dob_failed', { attempts, total });
      return { ok: false, state: stateOf({ ...link, failed_attempts: attempts, failed_total: total }, practice, now, null), wrong: true } as const;
    }
    await trx.updateTable('portal_links').set({ failed_attempts: 0, locked_until: null, last_verified_at: now }).where('id', '=', link.id).execute();
    const { token: sessionToken, session } = await createPortalSession(trx, now, { practiceId: link.practice_id, patientId: link.patient_id, linkId: link.id });
    await audit('portal.verified');
    return { ok: true, sessionToken, expiresAt: session.expiresAt } as const;
  });
  return result;
}

/** "MM", "DD", "YYYY" (or an ISO date) to 'YYYY-MM-DD', or null when it is not a real date. */
export function parseDateOfBirth(input: { month?: string; day?: string; year?: string; date?: string }, now: Date): string | null {
  let y: number, m: number, d: number;
  const iso = input.date?.trim();
  if (iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!match) return null;
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    const parts = [input.month, input.day, input.year].map((v) => (v ?? '').trim());
    if (!parts.every((p) => /^\d+$/.test(p)) || parts[2].length !== 4) return null;
    [m, d, y] = parts.map(Number);
  }
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (y < 1890 || date.getTime() > now.getTime()) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

async function findLink(db: Database, token: string) {
  if (!token || token.length > 100) return undefined;
  return db
    .selectFrom('portal_links')
    .select(['id', 'practice_id', 'patient_id', 'expires_at', 'locked_until', 'failed_attempts', 'failed_total', 'disabled_at'])
    .where('token_hash', '=', hashPortalToken(token))
    .executeTakeFirst();
}

function patientThrottleKey(patientId: number): string {
  return `portal:dob:patient:${patientId}`;
}

/** Until when every link of this patient is locked by the per-patient cap, or null. */
async function patientLockedUntil(db: Database, patientId: number, now: Date): Promise<Date | null> {
  const row = await db.selectFrom('throttles').select('blocked_until').where('key', '=', patientThrottleKey(patientId)).executeTakeFirst();
  return row?.blocked_until && row.blocked_until > now ? row.blocked_until : null;
}

function stateOf(
  link: { id: number; expires_at: Date; locked_until: Date | null; failed_attempts: number; failed_total: number; disabled_at: Date | null },
  practice: PracticeContact,
  now: Date,
  patientLocked: Date | null,
): LinkState {
  if (link.disabled_at) return { state: 'disabled', practice };
  if (link.expires_at.getTime() <= now.getTime()) return { state: 'expired', practice };
  const lockedUntil = [link.locked_until, patientLocked].filter((d): d is Date => !!d && d.getTime() > now.getTime());
  if (lockedUntil.length) return { state: 'locked', practice, until: new Date(Math.max(...lockedUntil.map((d) => d.getTime()))) };
  const untilLock = MAX_DOB_ATTEMPTS - link.failed_attempts;
  const untilDisabled = MAX_LIFETIME_DOB_FAILURES - link.failed_total;
  return { state: 'ready', practice, linkId: link.id, attemptsLeft: Math.min(untilLock, untilDisabled), finalTries: untilDisabled <= untilLock };
}

/** Links of this patient disabled by the lifetime cap, newest first: the Engagement tab names them. */
export async function disabledPortalLinks(db: Database, actor: Actor, patientId: number): Promise<{ id: number; created_at: Date; disabled_at: Date }[]> {
  const rows = await practicePortalLinks(db, actor)
    .select(['portal_links.id', 'portal_links.created_at', 'portal_links.disabled_at'])
    .where('portal_links.patient_id', '=', patientId)
    .where('portal_links.disabled_at', 'is not', null)
    .orderBy('portal_links.disabled_at', 'desc')
    .limit(10)
    .execute();
  return rows.map((r) => ({ ...r, disabled_at: r.disabled_at! }));
}

/** The language of a link's patient: the portal speaks it before the date of birth is asked (docs/rules.md, Language). */
export async function portalLinkLanguage(db: Database, token: string): Promise<Language> {
  if (!token || token.length > 100) return 'en';
  const row = await db
    .selectFrom('portal_links')
    .innerJoin('patients', 'patients.id', 'portal_links.patient_id')
    .select('patients.preferred_language')
    .where('portal_links.token_hash', '=', hashPortalToken(token))
    .executeTakeFirst();
  return row?.preferred_language ?? 'en';
}

export async function practiceContact(db: Database, practiceId: number): Promise<PracticeContact> {
  return db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone']).where('id', '=', practiceId).executeTakeFirstOrThrow();
}
