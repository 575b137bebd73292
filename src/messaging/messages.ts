import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Channel, OutboxStatus } from '../db/schema.ts';
import { practiceMessages, type Actor } from '../auth/permissions.ts';
import { escapeLike } from '../db/like.ts';
import { storedWords } from './templates.ts';
import { messageBodyParts, type BodyPart } from './portal-link-token.ts';
import { withPublicUrl } from './public-url.ts';
import { OUTBOX_STATUSES } from './labels.ts';

// Reading the outbox: a patient's messages, the vendor's Sent Messages page, counts for the Jobs page.
// Every query starts from practiceMessages(db, actor): a practice's staff read their practice's,
// vendor admins every practice's.

export type MessageRow = {
  id: number;
  practice_id: number | null;
  practice_name: string | null;
  patient_id: number | null;
  kind: string;
  channel: Channel;
  recipient: string;
  subject: string | null;
  body: string;
  status: OutboxStatus;
  attempts: number;
  transport: string | null;
  last_error: string | null;
  cancel_reason: string | null;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  next_attempt_at: Date;
};

function baseQuery(db: Database, actor: Actor) {
  return practiceMessages(db, actor)
    .leftJoin('practices as p', 'p.id', 'm.practice_id')
    .select([
      'm.id', 'm.practice_id', 'p.name as practice_name', 'm.patient_id', 'm.kind', 'm.channel', 'm.recipient', 'm.subject', 'm.body', 'm.status',
      'm.attempts', 'm.transport', 'm.last_error', 'm.cancel_reason', 'm.created_at', 'm.sent_at', 'm.delivered_at', 'm.next_attempt_at',
      'm.template', 'm.template_params',
    ]);
}

/** Rows as pages show them: a templated message still waiting shows the words it will send. */
function withWords(rows: Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>): MessageRow[] {
  return rows.map(({ template, template_params, ...r }) => {
    if (r.body != null) return { ...r, body: r.body };
    const words = storedWords({ ...r, template, template_params });
    return { ...r, subject: words.subject, body: words.body };
  });
}

export type ShownMessage = MessageRow & { parts: BodyPart[] };

/**
 * A row as a staff page shows it: the app's address in the demo's links, and its body cut into text
 * and links, with placeholder portal links hidden (every portal link with `hideLivePortalLinks`).
 */
export function shownMessage(row: MessageRow, publicUrl: string | undefined, hideLivePortalLinks = false): ShownMessage {
  const body = withPublicUrl(row.body, publicUrl);
  return { ...row, body, parts: messageBodyParts(body, hideLivePortalLinks) };
}

/** A patient's messages, newest first. */
export async function listPatientMessages(db: Database, actor: Actor, patientId: number, limit = 50): Promise<MessageRow[]> {
  return withWords(await baseQuery(db, actor).where('m.patient_id', '=', patientId).orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').limit(limit).execute());
}

export type MessageFilters = { status?: OutboxStatus; channel?: Channel; transport?: string; kind?: string; practiceId?: number; recipient?: string };
export const PAGE_SIZE = 50;

export async function searchMessages(db: Database, actor: Actor, f: MessageFilters, page: number): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
  let q = baseQuery(db, actor);
  if (f.status) q = q.where('m.status', '=', f.status);
  if (f.channel) q = q.where('m.channel', '=', f.channel);
  if (f.transport) q = q.where('m.transport', '=', f.transport);
  if (f.kind) q = q.where('m.kind', '=', f.kind);
  if (f.practiceId) q = q.where('m.practice_id', '=', f.practiceId);
  if (f.recipient) q = q.where(sql<string>`lower(m.recipient)`, 'like', `%${escapeLike(f.recipient.toLowerCase())}%`);
  const rows = withWords(await q.orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE).execute());
  return { rows: rows.slice(0, PAGE_SIZE), hasMore: rows.length > PAGE_SIZE };
}

export async function messageKinds(db: Database, actor: Actor): Promise<string[]> {
  const rows = await practiceMessages(db, actor).select('m.kind as kind').distinct().orderBy('kind').execute();
  return rows.map((r) => r.kind);
}

export async function outboxCounts(db: Database, actor: Actor): Promise<Record<OutboxStatus, number>> {
  const rows = await practiceMessages(db, actor).select(['m.status as status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('m.status').execute();
  const out = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

export async function listFailedMessages(db: Database, actor: Actor, limit = 50): Promise<MessageRow[]> {
  return withWords(await baseQuery(db, actor).where('m.status', '=', 'failed').orderBy('m.updated_at', 'desc').limit(limit).execute());
}

/** Puts a failed message back in the queue for another round of attempts. */
export async function retryFailedMessage(db: Database, actor: Actor, id: number, now: Date): Promise<boolean> {
  const res = await db
    .updateTable('outbox_messages')
    .set({ status: 'queued', attempts: 0, next_attempt_at: now, updated_at: now })
    .where('id', 'in', practiceMessages(db, actor).select('m.id').where('m.id', '=', id))
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
