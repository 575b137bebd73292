import type { Database } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { hashPortalToken } from './links.ts';
import { createPortalSession } from './sessions.ts';

// Opening a portal link: nothing about the patient is shown until the date of birth matches.
// Five wrong dates lock the link for 15 minutes. Every attempt and view is audited, ids only.

export const MAX_DOB_ATTEMPTS = 5;
export const LOCK_MINUTES = 15;

export type PracticeContact = { id: number; name: string; phone: string; time_zone: string };

export type LinkState =
  | { state: 'invalid' }
  | { state: 'expired'; practice: PracticeContact }
  | { state: 'locked'; practice: PracticeContact; until: Date }
  | { state: 'ready'; practice: PracticeContact; linkId: number; attemptsLeft: number };

type Who = { ip: string | null };

export async function openPortalLink(db: Database, now: Date, token: string, who: Who): Promise<LinkState> {
  const link = await findLink(db, token);
  if (!link) return { state: 'invalid' };
  const practice = await practiceContact(db, link.practice_id);
  const state = stateOf(link, practice, now);
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
      .select(['portal_links.id', 'portal_links.practice_id', 'portal_links.patient_id', 'portal_links.expires_at', 'portal_links.locked_until', 'portal_links.failed_attempts', 'patients.date_of_birth'])
      .where('portal_links.token_hash', '=', hashPortalToken(token))
      .forUpdate()
      .executeTakeFirst();
    if (!link) return { ok: false, state: { state: 'invalid' }, wrong: false } as const;
    const practice = await practiceContact(trx, link.practice_id);
    const state = stateOf(link, practice, now);
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
      if (attempts >= MAX_DOB_ATTEMPTS) {
        const until = new Date(now.getTime() + LOCK_MINUTES * 60_000);
        await trx.updateTable('portal_links').set({ failed_attempts: 0, locked_until: until }).where('id', '=', link.id).execute();
        await audit('portal.locked', { attempts, until: until.toISOString() });
        return { ok: false, state: { state: 'locked', practice, until }, wrong: true } as const;
      }
      await trx.updateTable('portal_links').set({ failed_attempts: attempts }).where('id', '=', link.id).execute();
      await audit('portal.dob_failed', { attempts });
      return { ok: false, state: { ...state, attemptsLeft: MAX_DOB_ATTEMPTS - attempts }, wrong: true } as const;
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
    .select(['id', 'practice_id', 'patient_id', 'expires_at', 'locked_until', 'failed_attempts'])
    .where('token_hash', '=', hashPortalToken(token))
    .executeTakeFirst();
}

function stateOf(
  link: { id: number; expires_at: Date; locked_until: Date | null; failed_attempts: number },
  practice: PracticeContact,
  now: Date,
): LinkState {
  if (link.expires_at.getTime() <= now.getTime()) return { state: 'expired', practice };
  if (link.locked_until && link.locked_until.getTime() > now.getTime()) return { state: 'locked', practice, until: link.locked_until };
  return { state: 'ready', practice, linkId: link.id, attemptsLeft: MAX_DOB_ATTEMPTS - link.failed_attempts };
}

export async function practiceContact(db: Database, practiceId: number): Promise<PracticeContact> {
  return db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone']).where('id', '=', practiceId).executeTakeFirstOrThrow();
}
