import type { Database } from '../db/database.ts';
import type { Actor } from '../auth/permissions.ts';

// One append-only audit trail: PHI views, exports, consent and settings changes, sign-ins.
// The details never hold PHI themselves: ids and field names only.

export type AuditEntry = {
  at: Date;
  actor: Actor | { kind: 'patient' | 'system' | 'anonymous'; id?: null; practice_id?: number | null };
  action: string;
  practiceId?: number | null;
  recordType?: string;
  recordId?: string | number;
  ip?: string | null;
  details?: Record<string, unknown>;
};

export async function recordAudit(db: Database, entry: AuditEntry): Promise<void> {
  await auditRowInsert(db, entry).execute();
}

/**
 * The insert of one audit row, not yet run: recordAudit runs it alone; a page that audits its own view
 * runs it inside its statement (a data-modifying `with`, as the portal's balance page does:
 * src/portal/account.ts), saving the round trip.
 */
export function auditRowInsert(db: Database, entry: AuditEntry) {
  const actor = entry.actor;
  return db.insertInto('audit_log').values({
    at: entry.at,
    practice_id: entry.practiceId ?? actor.practice_id ?? null,
    actor_kind: actor.kind,
    actor_user_id: actor.id ?? null,
    action: entry.action,
    record_type: entry.recordType ?? null,
    record_id: entry.recordId === undefined ? null : String(entry.recordId),
    ip: entry.ip ?? null,
    details: JSON.stringify(entry.details ?? {}),
  });
}
