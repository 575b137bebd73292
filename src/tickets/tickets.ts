import { sql, type SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import { TZDate } from '@date-fns/tz';
import type { Database } from '../db/database.ts';
import type { DB, TicketDepartment, TicketStatus, Visibility } from '../db/schema.ts';
import { assertCan, can, practiceIdOf, visibleTickets, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { NotFound } from '../web/errors.ts';
import { findPracticePatient, type PatientMatch } from '../patients/search.ts';
import { notifyTicket } from './notify.ts';
import { findOverdueBlock, type OverdueBlock } from './overdue.ts';
import { listColleagues, parseVisibleTo, previewAudience, type Colleague } from './visible-to.ts';
import { readAttachments, type UploadedFile } from './attachments.ts';

// The practice side of the Ticket platform: Get Help's list, creating a thread, the conversation
// and the practice's replies. Every read goes through visibleTickets (src/auth/permissions.ts).

export const PAGE_SIZE = 25;
export const SUBJECT_MAX = 200;
export const MESSAGE_MAX = 20_000;

/** The ticket type a practice picks, and the team it routes to (the Routing Guide). */
export const TICKET_TYPES: { value: TicketDepartment | 'feedback'; label: string; covers: string }[] = [
  { value: 'billing', label: 'Billing/Patient', covers: 'Billing, Claims Processing, Policies, Authorizations, Credentialing Holds' },
  { value: 'success', label: 'Customer Success', covers: 'EMR setup, Templates, Documentation Questions, Training' },
  { value: 'technical', label: 'Technical Support Inquiry', covers: 'Technical Issues, Unexpected Behaviors' },
  { value: 'feedback', label: 'Product Feedback', covers: 'Ideas for future additions to StrataEMR (this leads to the Feedback portal)' },
];
export const DEPARTMENT_LABEL: Record<TicketDepartment, string> = { billing: 'Billing/Patient', success: 'Customer Success', technical: 'Technical Support Inquiry' };
export const STATUS_LABEL: Record<TicketStatus, string> = {
  waiting_vendor: 'Waiting on StrataPT',
  waiting_practice: 'Waiting on your practice',
  closed: 'Closed',
};

export type TicketRow = {
  id: number;
  subject: string;
  department: TicketDepartment;
  status: TicketStatus;
  admin_level: boolean;
  response_due_at: Date | null;
  last_public_message_at: Date;
  patient_id: number | null;
  patient_first_name: string | null;
  patient_last_name: string | null;
  patient_account_number: string | null;
  unread: boolean;
};

/** The columns a list row shows, joined onto an already-scoped tickets query. */
export function ticketListColumns<O>(query: SelectQueryBuilder<DB, 'tickets', O>, actor: Actor) {
  return query
    .leftJoin('patients', (j) => j.onRef('patients.id', '=', 'tickets.patient_id').onRef('patients.practice_id', '=', 'tickets.practice_id'))
    .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
    .select([
      'tickets.id',
      'tickets.subject',
      'tickets.department',
      'tickets.status',
      'tickets.admin_level',
      'tickets.response_due_at',
      'tickets.last_public_message_at',
      'tickets.patient_id',
      'patients.first_name as patient_first_name',
      'patients.last_name as patient_last_name',
      'patients.account_number as patient_account_number',
      sql<boolean>`(tickets.last_public_author_id is distinct from ${actor.id}
        and coalesce(ticket_reads.last_read_at, '-infinity'::timestamptz) < tickets.last_public_message_at)`.as('unread'),
    ]);
}

/** Get Help: the visible threads, newest activity first, one page at a time. */
export async function listTickets(db: Database, actor: Actor, options: { page?: number; pageSize?: number } = {}) {
  assertCan(actor, 'tickets.use');
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const page = options.page ?? 1;
  const rows = await ticketListColumns(visibleTickets(db, actor), actor)
    .orderBy('tickets.last_public_message_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(pageSize + 1)
    .offset((page - 1) * pageSize)
    .execute();
  return { rows: rows.slice(0, pageSize) as TicketRow[], hasMore: rows.length > pageSize };
}

export type TicketDetail = Awaited<ReturnType<typeof findVisibleTicket>>;

/** One thread this actor may see; anything else is "not found". */
export async function findVisibleTicket(db: Database, actor: Actor, id: number) {
  assertCan(actor, 'tickets.use');
  const row = await visibleTickets(db, actor)
    .innerJoin('users as creator', 'creator.id', 'tickets.created_by_user_id')
    .leftJoin('users as named', 'named.id', 'tickets.visible_user_id')
    .innerJoin('practices', 'practices.id', 'tickets.practice_id')
    .select([
      'tickets.id',
      'tickets.practice_id',
      'tickets.subject',
      'tickets.department',
      'tickets.status',
      'tickets.visibility',
      'tickets.admin_level',
      'tickets.patient_id',
      'tickets.response_due_at',
      'tickets.created_at',
      'tickets.closed_at',
      'tickets.created_by_side',
      'creator.name as creator_name',
      'named.name as named_person',
      'practices.time_zone',
    ])
    .where('tickets.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound();
  const patient = row.patient_id ? await findPracticePatient(db, actor, row.patient_id) : undefined;
  return { ...row, patient: patient ?? null };
}

export type ConversationMessage = {
  id: number;
  author_name: string;
  author_side: 'practice' | 'vendor';
  body: string;
  created_at: Date;
  response_window_hours: number | null;
  attachments: { id: number; filename: string; content_type: string; size_bytes: number }[];
};

/** The conversation as the practice sees it: internal notes of the vendor's team never appear. */
export async function loadConversation(db: Database, actor: Actor, ticketId: number): Promise<ConversationMessage[]> {
  await findVisibleTicket(db, actor, ticketId);
  const messages = await db
    .selectFrom('ticket_messages')
    .innerJoin('users', 'users.id', 'ticket_messages.author_user_id')
    .select([
      'ticket_messages.id',
      'users.name as author_name',
      'ticket_messages.author_side',
      'ticket_messages.body',
      'ticket_messages.created_at',
      'ticket_messages.response_window_hours',
    ])
    .where('ticket_messages.ticket_id', '=', ticketId)
    .where('ticket_messages.practice_id', '=', practiceIdOf(actor))
    .where('ticket_messages.internal', '=', false)
    .orderBy('ticket_messages.created_at')
    .orderBy('ticket_messages.id')
    .execute();
  const attachments = messages.length
    ? await db
        .selectFrom('ticket_attachments')
        .select(['id', 'message_id', 'filename', 'content_type', 'size_bytes'])
        .where('message_id', 'in', messages.map((m) => m.id))
        .orderBy('id')
        .execute()
    : [];
  return messages.map((m) => ({
    ...m,
    author_name: m.author_side === 'vendor' ? `${m.author_name} (StrataPT)` : m.author_name,
    attachments: attachments.filter((a) => a.message_id === m.id),
  }));
}

/** Per-user read marker: opening a thread marks what is there as read. */
export async function markTicketRead(db: Database, actor: Actor, ticketId: number, now: Date): Promise<void> {
  await db
    .insertInto('ticket_reads')
    .values({ user_id: actor.id, ticket_id: ticketId, practice_id: practiceIdOf(actor), last_read_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'ticket_id']).doUpdateSet({ last_read_at: now }))
    .execute();
}

// ---- Creating a thread ---------------------------------------------------------------------

/** Everything the create form needs besides what was typed. */
export type CreateFormContext = {
  colleagues: Colleague[];
  block: OverdueBlock | null;
  hypercare: { accountManager: string | null; endsOn: string } | null;
  mayCreateAdminLevel: boolean;
};

export async function loadCreateFormContext(db: Database, actor: Actor, now: Date): Promise<CreateFormContext> {
  assertCan(actor, 'tickets.use');
  const [colleagues, block, hypercare] = await Promise.all([listColleagues(db, actor), findOverdueBlock(db, actor, now), findHypercare(db, actor, now)]);
  return { colleagues, block, hypercare, mayCreateAdminLevel: can(actor, 'tickets.createAdminLevel') };
}

/** The practice's hypercare window (go-live + hypercare days, in its time zone) if today is inside it. */
export async function findHypercare(db: Database, actor: Actor, now: Date) {
  const practice = await db
    .selectFrom('practices')
    .leftJoin('users', 'users.id', 'practices.account_manager_id')
    .select(['practices.go_live_on', 'practices.hypercare_days', 'practices.time_zone', 'users.name as account_manager'])
    .where('practices.id', '=', practiceIdOf(actor))
    .executeTakeFirstOrThrow();
  const today = localDate(now, practice.time_zone);
  const [y, m, d] = practice.go_live_on.split('-').map(Number);
  const end = new Date(Date.UTC(y, m - 1, d + practice.hypercare_days)).toISOString().slice(0, 10);
  if (today < practice.go_live_on || today >= end) return null;
  return { accountManager: practice.account_manager, endsOn: end };
}

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());
const createSchema = z.object({
  subject: z.string({ error: 'Enter a subject.' }).trim().min(1, 'Enter a subject.').max(SUBJECT_MAX, `Use at most ${SUBJECT_MAX} characters.`),
  type: z.enum(['billing', 'success', 'technical', 'feedback'], { error: 'Choose the type of question: it routes the thread to the right team.' }),
  message: z.string({ error: 'Write your message.' }).trim().min(1, 'Write your message.').max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`),
  patient_id: z.string().trim().regex(/^\d{0,15}$/, 'Choose a patient from the list.').optional(),
  show_all: checkbox,
  visible_to: z.string().optional(),
  admin_level: checkbox,
});

export type CreateInput = Record<string, string | undefined>;
export type FormResult = { ok: true; id: number } | { ok: false; errors: Record<string, string>; blocked?: boolean };

/**
 * Opens a thread: validates every field (a message at each), refuses while the practice has an
 * overdue thread, then writes the thread, its first message, attachments, the event and the
 * vendor's notification in one transaction.
 */
export async function createTicket(
  db: Database,
  actor: Actor,
  input: CreateInput,
  files: unknown[],
  now: Date,
  publicUrl: string,
): Promise<FormResult> {
  assertCan(actor, 'tickets.use');
  const errors: Record<string, string> = {};
  const parsed = createSchema.safeParse(input);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  const colleagues = await listColleagues(db, actor);
  const adminLevel = checkbox.parse(input.admin_level);
  if (adminLevel && !can(actor, 'tickets.createAdminLevel')) errors.admin_level = 'Only Practice Administrators and above can create admin-level threads.';
  if (input.type === 'feedback') errors.type = 'Ideas for future additions go to the Feedback portal, not a ticket. Use the link to the Feedback portal below.';
  const choice = parseVisibleTo(input.visible_to, colleagues);
  if (!choice) errors.visible_to = input.visible_to ? 'Choose one of the listed options; that person cannot be chosen.' : 'Choose who can see this thread.';
  else if (!errors.admin_level) {
    const preview = previewAudience(actor, colleagues, choice, adminLevel);
    if (preview.problem) errors.visible_to = preview.problem;
  }
  let patient: PatientMatch | undefined;
  const rawPatient = (input.patient_id ?? '').trim();
  const patientId = /^\d{1,15}$/.test(rawPatient) ? Number(rawPatient) : null;
  if (patientId) {
    patient = await findPracticePatient(db, actor, patientId);
    if (!patient) errors.patient_id = 'That patient account was not found at your practice. Search again and choose from the list.';
    else if (patient.status === 'inactive' && !checkbox.parse(input.show_all)) {
      errors.patient_id = `${patient.first_name} ${patient.last_name} (${patient.account_number}) is an inactive account. Tick Show All to link an inactive account.`;
    }
  }
  const uploads = await readAttachments(files);
  if (!uploads.ok) errors.files = uploads.error;
  if (Object.keys(errors).length || !parsed.success || !choice || !uploads.ok) return { ok: false, errors };
  const v = parsed.data;
  const department = v.type as TicketDepartment;

  return db.transaction().execute(async (trx) => {
    const block = await findOverdueBlock(trx, actor, now);
    if (block) return { ok: false, blocked: true, errors: { form: 'A thread of your practice is Overdue: answer it before starting a new one.' } } as FormResult;
    const practiceId = practiceIdOf(actor);
    const ticket = await trx
      .insertInto('tickets')
      .values({
        practice_id: practiceId,
        created_by_user_id: actor.id,
        created_by_side: 'practice',
        subject: v.subject,
        department,
        patient_id: patient?.id ?? null,
        visibility: choice.visibility,
        visible_user_id: choice.visibleUserId,
        admin_level: adminLevel,
        status: 'waiting_vendor',
        last_public_message_at: now,
        last_public_author_id: actor.id,
        waiting_since: now,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const messageId = await insertMessage(trx, practiceId, ticket.id, actor.id, v.message, uploads.files, now);
    await trx
      .insertInto('ticket_events')
      .values({
        ticket_id: ticket.id,
        practice_id: practiceId,
        actor_user_id: actor.id,
        kind: 'created',
        details: JSON.stringify({ department, visibility: choice.visibility, visible_user_id: choice.visibleUserId, admin_level: adminLevel, patient_id: patient?.id ?? null }),
        at: now,
      })
      .execute();
    await recordAudit(trx, { at: now, actor, action: 'ticket.created', recordType: 'ticket', recordId: ticket.id, details: { patient_id: patient?.id ?? null } });
    if (choice.visibility !== 'person' || choice.visibleUserId === actor.id) await markTicketRead(trx, actor, ticket.id, now);
    await notifyTicket(trx, now, publicUrl, { ticketId: ticket.id, notice: 'created', eventKey: messageId, actorUserId: actor.id });
    return { ok: true, id: ticket.id } as FormResult;
  });
}

// ---- Replying ------------------------------------------------------------------------------

const replySchema = z.object({
  message: z.string({ error: 'Write your reply.' }).trim().min(1, 'Write your reply.').max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`),
});

/**
 * A practice reply: it answers any response the vendor required (clearing Overdue and the block at
 * once), reopens a closed thread, and puts the thread back in the vendor's court.
 */
export async function replyToTicket(
  db: Database,
  actor: Actor,
  ticketId: number,
  input: CreateInput,
  files: unknown[],
  now: Date,
  publicUrl: string,
): Promise<FormResult> {
  await findVisibleTicket(db, actor, ticketId);
  const errors: Record<string, string> = {};
  const parsed = replySchema.safeParse(input);
  if (!parsed.success) errors.message = parsed.error.issues[0].message;
  const uploads = await readAttachments(files);
  if (!uploads.ok) errors.files = uploads.error;
  if (!parsed.success || !uploads.ok) return { ok: false, errors };

  return db.transaction().execute(async (trx) => {
    const ticket = await visibleTickets(trx, actor)
      .select(['tickets.id', 'tickets.practice_id', 'tickets.status', 'tickets.response_due_at'])
      .where('tickets.id', '=', ticketId)
      .forUpdate()
      .executeTakeFirst();
    if (!ticket) throw new NotFound();
    const messageId = await insertMessage(trx, ticket.practice_id, ticket.id, actor.id, parsed.data.message, uploads.files, now);
    await trx
      .updateTable('tickets')
      .set({
        status: 'waiting_vendor',
        response_due_at: null,
        response_required_by_user_id: null,
        overdue_warning_sent_at: null,
        closed_at: null,
        last_public_message_at: now,
        last_public_author_id: actor.id,
        ...(ticket.status === 'waiting_vendor' ? {} : { waiting_since: now }),
      })
      .where('id', '=', ticket.id)
      .execute();
    const events: { kind: string; details: Record<string, unknown> }[] = [{ kind: 'practice_reply', details: { message_id: messageId, attachments: uploads.files.length } }];
    if (ticket.response_due_at) {
      events.push({
        kind: 'response_received',
        details: { message_id: messageId, was_due_at: ticket.response_due_at.toISOString(), was_overdue: ticket.response_due_at.getTime() <= now.getTime() },
      });
    }
    if (ticket.status === 'closed') events.push({ kind: 'reopened', details: { message_id: messageId } });
    await trx
      .insertInto('ticket_events')
      .values(events.map((e) => ({ ticket_id: ticket.id, practice_id: ticket.practice_id, actor_user_id: actor.id, kind: e.kind, details: JSON.stringify(e.details), at: now })))
      .execute();
    await markTicketRead(trx, actor, ticket.id, now);
    await notifyTicket(trx, now, publicUrl, { ticketId: ticket.id, notice: 'practice_reply', eventKey: messageId, actorUserId: actor.id });
    return { ok: true, id: ticket.id } as FormResult;
  });
}

async function insertMessage(db: Database, practiceId: number, ticketId: number, authorId: number, body: string, files: UploadedFile[], now: Date): Promise<number> {
  const message = await db
    .insertInto('ticket_messages')
    .values({ ticket_id: ticketId, practice_id: practiceId, author_user_id: authorId, author_side: 'practice', internal: false, body, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const f of files) {
    await db
      .insertInto('ticket_attachments')
      .values({ ticket_id: ticketId, message_id: message.id, practice_id: practiceId, filename: f.filename, content_type: f.contentType, size_bytes: f.data.length, data: f.data, created_at: now })
      .execute();
  }
  return message.id;
}

export function localDate(now: Date, timeZone: string): string {
  const t = new TZDate(now.getTime(), timeZone);
  return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
}

export type { Visibility };
