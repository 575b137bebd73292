import { sql } from 'kysely';
import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { assertCan, ownPractice, practiceAuditLog, visibleTickets, type Actor } from '../auth/permissions.ts';
import { escapeLike } from '../db/like.ts';

// Searching the audit trail: Practice Administrators and above see their practice's entries,
// vendor admins see every practice's. Filters are plain values; dates are local to the viewer
// (the practice's time zone for staff, UTC for the vendor console).

export const AUDIT_PAGE_SIZE = 50;

const dateText = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the format YYYY-MM-DD.')
  .refine((v) => !Number.isNaN(new Date(`${v}T00:00:00Z`).getTime()), 'Not a real date.');

export const auditFilterSchema = z.object({
  action: z.string().trim().max(100).optional().default(''),
  actor: z.string().trim().max(200).optional().default(''),
  recordType: z.string().trim().max(60).optional().default(''),
  recordId: z.string().trim().max(60).optional().default(''),
  from: z.union([z.literal(''), dateText]).optional().default(''),
  to: z.union([z.literal(''), dateText]).optional().default(''),
  practice: z.union([z.literal(''), z.string().regex(/^\d{1,12}$/, 'Use a practice number.')]).optional().default(''),
});

export type AuditFilters = z.infer<typeof auditFilterSchema>;

export type AuditRow = {
  id: number;
  at: Date;
  practice_id: number | null;
  practice_name: string | null;
  actor_kind: string;
  actor_user_id: number | null;
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  ip: string | null;
  details: unknown;
};

export type AuditPage = { rows: AuditRow[]; page: number; hasMore: boolean; timeZone: string };

export type ParsedAuditFilters = { ok: true; filters: AuditFilters } | { ok: false; filters: AuditFilters; errors: Record<string, string> };

/** Reads the query string into filters; bad values come back with a message at their field. */
export function parseAuditFilters(query: Record<string, string | undefined>): ParsedAuditFilters {
  const raw = {
    action: query.action ?? '',
    actor: query.actor ?? '',
    recordType: query.record_type ?? '',
    recordId: query.record_id ?? '',
    from: query.from ?? '',
    to: query.to ?? '',
    practice: query.practice ?? '',
  };
  const parsed = auditFilterSchema.safeParse(raw);
  if (parsed.success) {
    if (parsed.data.from && parsed.data.to && parsed.data.from > parsed.data.to) {
      return { ok: false, filters: parsed.data, errors: { to: 'The end date is before the start date.' } };
    }
    return { ok: true, filters: parsed.data };
  }
  const errors: Record<string, string> = {};
  const fieldNames: Record<string, string> = { recordType: 'record_type', recordId: 'record_id' };
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0]);
    errors[fieldNames[key] ?? key] ??= issue.message;
  }
  const blank: AuditFilters = { action: '', actor: '', recordType: '', recordId: '', from: '', to: '', practice: '' };
  return { ok: false, filters: { ...blank, ...(raw as Partial<AuditFilters>) }, errors };
}

/** One page of the audit trail this actor may read, newest first. */
export async function searchAuditLog(db: Database, actor: Actor, filters: AuditFilters, page: number): Promise<AuditPage> {
  assertCan(actor, 'audit.view');
  let timeZone = 'UTC';
  let q = practiceAuditLog(db, actor)
    .leftJoin('users', 'users.id', 'audit_log.actor_user_id')
    .leftJoin('practices', 'practices.id', 'audit_log.practice_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.practice_id',
      'practices.name as practice_name',
      'audit_log.actor_kind',
      'audit_log.actor_user_id',
      'users.name as actor_name',
      'users.email as actor_email',
      'audit_log.action',
      'audit_log.record_type',
      'audit_log.record_id',
      'audit_log.ip',
      'audit_log.details',
    ]);
  if (actor.kind === 'staff') {
    // A ticket's record (ticket.*) is shown only to those who may see the thread: an Only Me thread's
    // existence, creator and linked patient stay with the people it is visible to.
    q = q.where((eb) =>
      eb.or([
        eb('audit_log.record_type', 'is', null),
        eb('audit_log.record_type', 'not in', ['ticket', 'ticket_attachment']),
        eb.and([
          eb('audit_log.record_type', '=', 'ticket'),
          eb('audit_log.record_id', 'in', visibleTickets(db, actor).select(sql<string>`tickets.id::text`.as('id'))),
        ]),
        eb.and([
          eb('audit_log.record_type', '=', 'ticket_attachment'),
          eb(
            'audit_log.record_id',
            'in',
            db
              .selectFrom('ticket_attachments')
              .select(sql<string>`ticket_attachments.id::text`.as('id'))
              .where('ticket_attachments.ticket_id', 'in', visibleTickets(db, actor).select('tickets.id')),
          ),
        ]),
      ]),
    );
    const practice = await ownPractice(db, actor).select('time_zone').executeTakeFirstOrThrow();
    timeZone = practice.time_zone;
  } else if (filters.practice) {
    q = q.where('audit_log.practice_id', '=', Number(filters.practice));
  }
  if (filters.action) q = q.where('audit_log.action', 'like', `${escapeLike(filters.action)}%`);
  if (filters.actor) {
    const needle = `%${escapeLike(filters.actor.toLowerCase())}%`;
    q = q.where((eb) =>
      eb.or([
        eb(sql`lower(users.name)`, 'like', needle),
        eb(sql`lower(users.email)`, 'like', needle),
        ...(/^\d{1,12}$/.test(filters.actor) ? [eb('audit_log.actor_user_id', '=', Number(filters.actor))] : []),
      ]),
    );
  }
  if (filters.recordType) q = q.where('audit_log.record_type', '=', filters.recordType);
  if (filters.recordId) q = q.where('audit_log.record_id', '=', filters.recordId);
  if (filters.from) q = q.where('audit_log.at', '>=', startOfLocalDay(filters.from, timeZone));
  if (filters.to) q = q.where('audit_log.at', '<', startOfLocalDay(nextDay(filters.to), timeZone));
  const rows = await q
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(AUDIT_PAGE_SIZE + 1)
    .offset((page - 1) * AUDIT_PAGE_SIZE)
    .execute();
  return { rows: rows.slice(0, AUDIT_PAGE_SIZE), page, hasMore: rows.length > AUDIT_PAGE_SIZE, timeZone };
}

/** The distinct actions recorded so far, for the filter's suggestions. */
export async function listAuditActions(db: Database, actor: Actor): Promise<string[]> {
  assertCan(actor, 'audit.view');
  const rows = await practiceAuditLog(db, actor).select('action').distinct().orderBy('action').limit(200).execute();
  return rows.map((r) => r.action);
}


function startOfLocalDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(new TZDate(y, m - 1, d, 0, 0, 0, timeZone).getTime());
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
