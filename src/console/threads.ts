import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { TicketDepartment, Visibility } from '../db/schema.ts';
import { assertCan, ticketVisibleTo, type Actor } from '../auth/permissions.ts';
import { NotFound } from '../web/errors.ts';
import { notifyTicket } from '../tickets/notify.ts';
import { QUEUE_DEPARTMENTS, QUEUE_LABEL, hypercareSql } from './queues.ts';

// Working a thread from the vendor console: replies (with an optional response requirement),
// internal notes, assignment, moving departments, closure, admin-level, lifting a requirement.
// Every action loads the thread through ticketVisibleTo(actor) inside its transaction, locks it,
// and writes a ticket_events row saying who and when.

export const MESSAGE_MAX = 20_000;

/** The response windows a vendor reply may require (seed 000: from 4 hours to 14 days). */
export const RESPONSE_WINDOWS: { hours: number; label: string }[] = [
  { hours: 4, label: '4 hours' },
  { hours: 8, label: '8 hours' },
  { hours: 24, label: '24 hours' },
  { hours: 48, label: '2 days' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
  { hours: 336, label: '14 days' },
];
const WINDOW_HOURS = new Set(RESPONSE_WINDOWS.map((w) => w.hours));

export type ActionResult = { ok: true; id: number; notice?: string; gone?: boolean } | { ok: false; errors: Record<string, string> };

export type VendorThread = Awaited<ReturnType<typeof findVendorThread>>;

/** A thread this vendor user may work; anything else does not exist for them. */
export async function findVendorThread(db: Database, actor: Actor, id: number, now: Date) {
  assertCan(actor, 'vendor.console');
  const row = await db
    .selectFrom('tickets')
    .where(ticketVisibleTo(actor))
    .where('tickets.id', '=', id)
    .innerJoin('practices', 'practices.id', 'tickets.practice_id')
    .innerJoin('users as creator', 'creator.id', 'tickets.created_by_user_id')
    .leftJoin('users as named', 'named.id', 'tickets.visible_user_id')
    .leftJoin('users as assignee', 'assignee.id', 'tickets.assigned_to_user_id')
    .leftJoin('users as manager', 'manager.id', 'practices.account_manager_id')
    .leftJoin('patients', (j) => j.onRef('patients.id', '=', 'tickets.patient_id').onRef('patients.practice_id', '=', 'tickets.practice_id'))
    .select([
      'tickets.id',
      'tickets.practice_id',
      'tickets.subject',
      'tickets.department',
      'tickets.status',
      'tickets.visibility',
      'tickets.admin_level',
      'tickets.patient_id',
      'tickets.assigned_to_user_id',
      'tickets.response_due_at',
      'tickets.response_required_at',
      'tickets.overdue_recorded_at',
      'tickets.waiting_since',
      'tickets.created_at',
      'tickets.closed_at',
      'tickets.created_by_side',
      'creator.name as creator_name',
      'named.name as named_person',
      'assignee.name as assigned_name',
      'manager.name as account_manager',
      'practices.name as practice_name',
      'practices.phone as practice_phone',
      'practices.time_zone',
      'patients.account_number as patient_account_number',
      sql<boolean>`${hypercareSql(now)}`.as('hypercare'),
    ])
    .executeTakeFirst();
  if (!row) throw new NotFound();
  return { ...row, hypercare: !!row.hypercare };
}

export type VendorMessage = {
  id: number;
  author_name: string;
  author_side: 'practice' | 'vendor';
  internal: boolean;
  body: string;
  response_window_hours: number | null;
  created_at: Date;
  attachments: { id: number; filename: string; size_bytes: number }[];
};

/** The whole conversation as the vendor sees it, internal notes included. */
export async function loadVendorConversation(db: Database, actor: Actor, ticketId: number, now: Date): Promise<VendorMessage[]> {
  const ticket = await findVendorThread(db, actor, ticketId, now);
  const messages = await db
    .selectFrom('ticket_messages')
    .innerJoin('users', 'users.id', 'ticket_messages.author_user_id')
    .select([
      'ticket_messages.id',
      'users.name as author_name',
      'ticket_messages.author_side',
      'ticket_messages.internal',
      'ticket_messages.body',
      'ticket_messages.response_window_hours',
      'ticket_messages.created_at',
    ])
    .where('ticket_messages.ticket_id', '=', ticket.id)
    .where('ticket_messages.practice_id', '=', ticket.practice_id)
    .orderBy('ticket_messages.created_at')
    .orderBy('ticket_messages.id')
    .execute();
  const attachments = messages.length
    ? await db
        .selectFrom('ticket_attachments')
        .select(['id', 'message_id', 'filename', 'size_bytes'])
        .where('ticket_id', '=', ticket.id)
        .orderBy('id')
        .execute()
    : [];
  return messages.map((m) => ({ ...m, attachments: attachments.filter((a) => a.message_id === m.id) }));
}

/** The thread's history of actions, newest last. */
export async function loadThreadEvents(db: Database, actor: Actor, ticketId: number, now: Date) {
  const ticket = await findVendorThread(db, actor, ticketId, now);
  return db
    .selectFrom('ticket_events')
    .leftJoin('users', 'users.id', 'ticket_events.actor_user_id')
    .select(['ticket_events.id', 'ticket_events.kind', 'ticket_events.details', 'ticket_events.at', 'users.name as actor_name'])
    .where('ticket_events.ticket_id', '=', ticket.id)
    .orderBy('ticket_events.at')
    .orderBy('ticket_events.id')
    .execute();
}

/** Colleagues this thread can be assigned to: active vendor users who could work it. */
export async function listAssignees(db: Database, ticket: { department: string; practice_id: number }) {
  return db
    .selectFrom('users')
    .select(['users.id', 'users.name'])
    .where('users.kind', '=', 'vendor')
    .where('users.active', '=', true)
    .where((eb) =>
      eb.or([
        eb('users.vendor_admin', '=', true),
        eb.exists(eb.selectFrom('vendor_departments').select(sql`1`.as('x')).whereRef('vendor_departments.user_id', '=', 'users.id').where('vendor_departments.department', '=', ticket.department as TicketDepartment)),
        eb.exists(eb.selectFrom('practices').select(sql`1`.as('x')).whereRef('practices.account_manager_id', '=', 'users.id').where('practices.id', '=', ticket.practice_id)),
      ]),
    )
    .orderBy('users.name')
    .execute();
}

/** Marks the thread read for this vendor user (per-user unread markers on the queue). */
export async function markVendorRead(db: Database, actor: Actor, ticket: { id: number; practice_id: number }, now: Date) {
  await db
    .insertInto('ticket_reads')
    .values({ user_id: actor.id, ticket_id: ticket.id, practice_id: ticket.practice_id, last_read_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'ticket_id']).doUpdateSet({ last_read_at: now }))
    .execute();
}

// ---- Actions -----------------------------------------------------------------------------

const windowField = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim())
  .pipe(
    z.string().refine((v) => v === '' || (/^\d{1,4}$/.test(v) && WINDOW_HOURS.has(Number(v))), {
      message: 'Choose a response window from the list: 4 hours to 14 days.',
    }),
  );
const replySchema = z.object({
  message: z.string().trim().min(1, 'Write your reply.').max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`),
  response_window: windowField,
});

/**
 * A reply to the practice: the thread waits on the practice, and with a window the practice must
 * answer by now + window (one indexed response_due_at; the warning and overdue marks start afresh).
 */
export async function replyAsVendor(db: Database, actor: Actor, ticketId: number, input: Record<string, string | undefined>, now: Date, publicUrl: string): Promise<ActionResult> {
  await findVendorThread(db, actor, ticketId, now);
  const parsed = replySchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const hours = parsed.data.response_window ? Number(parsed.data.response_window) : null;
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    const message = await trx
      .insertInto('ticket_messages')
      .values({ ticket_id: ticket.id, practice_id: ticket.practice_id, author_user_id: actor.id, author_side: 'vendor', internal: false, body: parsed.data.message, response_window_hours: hours, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const dueAt = hours ? new Date(now.getTime() + hours * 3_600_000) : null;
    await trx
      .updateTable('tickets')
      .set({
        status: 'waiting_practice',
        closed_at: null,
        last_public_message_at: now,
        last_public_author_id: actor.id,
        ...(ticket.status === 'waiting_practice' ? {} : { waiting_since: now }),
        ...(dueAt
          ? { response_due_at: dueAt, response_required_at: now, response_required_by_user_id: actor.id, overdue_warning_sent_at: null, overdue_recorded_at: null }
          : {}),
      })
      .where('id', '=', ticket.id)
      .execute();
    const events: [string, Record<string, unknown>][] = [['vendor_reply', { message_id: message.id }]];
    if (ticket.status === 'closed') events.push(['reopened', { message_id: message.id }]);
    if (dueAt) events.push(['response_required', { message_id: message.id, window_hours: hours, due_at: dueAt.toISOString() }]);
    await writeEvents(trx, ticket, actor, now, events);
    await markVendorRead(trx, actor, ticket, now);
    await notifyTicket(trx, now, publicUrl, { ticketId: ticket.id, notice: 'vendor_reply', eventKey: message.id, actorUserId: actor.id });
    return { ok: true, id: ticket.id, notice: dueAt ? 'Reply sent. A response is now required.' : 'Reply sent.' } as ActionResult;
  });
}

const noteSchema = z.object({
  note: z.string().trim().min(1, 'Write the note.').max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`),
});

/**
 * An internal note: for the vendor's team only. It changes nothing the practice can observe: not the
 * status, not last_public_message_at/last_public_author_id (which drive practice unread markers),
 * and it sends no email.
 */
export async function addInternalNote(db: Database, actor: Actor, ticketId: number, input: Record<string, string | undefined>, now: Date): Promise<ActionResult> {
  await findVendorThread(db, actor, ticketId, now);
  const parsed = noteSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: { note: parsed.error.issues[0].message } };
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    const message = await trx
      .insertInto('ticket_messages')
      .values({ ticket_id: ticket.id, practice_id: ticket.practice_id, author_user_id: actor.id, author_side: 'vendor', internal: true, body: parsed.data.note, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeEvents(trx, ticket, actor, now, [['internal_note', { message_id: message.id }]]);
    return { ok: true, id: ticket.id, notice: 'Internal note added.' } as ActionResult;
  });
}

/** Assigns the thread to a colleague who could work it, or to nobody. */
export async function assignThread(db: Database, actor: Actor, ticketId: number, input: Record<string, string | undefined>, now: Date): Promise<ActionResult> {
  const thread = await findVendorThread(db, actor, ticketId, now);
  const raw = (input.assignee ?? '').trim();
  const assigneeId = raw === '' ? null : Number(raw);
  if (assigneeId !== null) {
    const allowed = await listAssignees(db, thread);
    if (!Number.isSafeInteger(assigneeId) || !allowed.some((a) => a.id === assigneeId)) {
      return { ok: false, errors: { assignee: 'Choose a colleague from the list: only people who can work this thread can be assigned.' } };
    }
  }
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    if (ticket.assigned_to_user_id === assigneeId) return { ok: true, id: ticket.id, notice: 'Nothing changed.' } as ActionResult;
    await trx.updateTable('tickets').set({ assigned_to_user_id: assigneeId }).where('id', '=', ticket.id).execute();
    await writeEvents(trx, ticket, actor, now, [[assigneeId ? 'assigned' : 'unassigned', { from_user_id: ticket.assigned_to_user_id, to_user_id: assigneeId }]]);
    return { ok: true, id: ticket.id, notice: assigneeId ? 'Thread assigned.' : 'Thread unassigned.' } as ActionResult;
  });
}

const moveSchema = z.object({
  department: z.enum(QUEUE_DEPARTMENTS as [TicketDepartment, ...TicketDepartment[]], { error: 'Choose the department to move the thread to.' }),
  reason: z.string().trim().min(1, 'Say why the thread is moving: the receiving team reads it.').max(500, 'Use at most 500 characters.'),
});

/** Moves the thread to another department's queue, with the reason; the new department is told. */
export async function moveThread(db: Database, actor: Actor, ticketId: number, input: Record<string, string | undefined>, now: Date, publicUrl: string): Promise<ActionResult> {
  const thread = await findVendorThread(db, actor, ticketId, now);
  const parsed = moveSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  if (parsed.data.department === thread.department) return { ok: false, errors: { department: `The thread is already in ${QUEUE_LABEL[thread.department]}.` } };
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    await trx
      .updateTable('tickets')
      .set({ department: parsed.data.department, assigned_to_user_id: null })
      .where('id', '=', ticket.id)
      .execute();
    const event = await writeEvents(trx, ticket, actor, now, [['moved', { from: ticket.department, to: parsed.data.department, reason: parsed.data.reason }]]);
    await notifyTicket(trx, now, publicUrl, { ticketId: ticket.id, notice: 'moved', eventKey: event, actorUserId: actor.id, sides: ['vendor'] });
    const stillVisible = await trx.selectFrom('tickets').where(ticketVisibleTo(actor)).where('id', '=', ticket.id).select('id').executeTakeFirst();
    return { ok: true, id: ticket.id, gone: !stillVisible, notice: `Moved to ${QUEUE_LABEL[parsed.data.department]}.` } as ActionResult;
  });
}

/** Closes the thread (a closure lifts any response requirement: a closed thread blocks nobody). */
export async function closeThread(db: Database, actor: Actor, ticketId: number, now: Date): Promise<ActionResult> {
  await findVendorThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    if (ticket.status === 'closed') return { ok: true, id: ticket.id, notice: 'The thread was already closed.' } as ActionResult;
    await trx
      .updateTable('tickets')
      .set({ status: 'closed', closed_at: now, response_due_at: null, response_required_at: null, response_required_by_user_id: null })
      .where('id', '=', ticket.id)
      .execute();
    await writeEvents(trx, ticket, actor, now, [['closed', { had_requirement_due_at: ticket.response_due_at?.toISOString() ?? null }]]);
    return { ok: true, id: ticket.id, notice: 'Thread closed.' } as ActionResult;
  });
}

/** Reopens a closed thread: it waits on the vendor again. */
export async function reopenThread(db: Database, actor: Actor, ticketId: number, now: Date): Promise<ActionResult> {
  await findVendorThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    if (ticket.status !== 'closed') return { ok: true, id: ticket.id, notice: 'The thread is already open.' } as ActionResult;
    await trx.updateTable('tickets').set({ status: 'waiting_vendor', closed_at: null, waiting_since: now }).where('id', '=', ticket.id).execute();
    await writeEvents(trx, ticket, actor, now, [['reopened', {}]]);
    return { ok: true, id: ticket.id, notice: 'Thread reopened.' } as ActionResult;
  });
}

/** Marks the thread admin-level (account-level matters): only Practice Administrators and above see it. */
export async function setAdminLevel(db: Database, actor: Actor, ticketId: number, adminLevel: boolean, now: Date): Promise<ActionResult> {
  await findVendorThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    if (ticket.admin_level === adminLevel) return { ok: true, id: ticket.id, notice: 'Nothing changed.' } as ActionResult;
    await trx.updateTable('tickets').set({ admin_level: adminLevel }).where('id', '=', ticket.id).execute();
    await writeEvents(trx, ticket, actor, now, [[adminLevel ? 'admin_level_set' : 'admin_level_removed', {}]]);
    return { ok: true, id: ticket.id, notice: adminLevel ? 'Marked admin-level.' : 'No longer admin-level.' } as ActionResult;
  });
}

/** Lifts the response requirement: Overdue and the practice's block end at once. */
export async function liftResponseRequirement(db: Database, actor: Actor, ticketId: number, now: Date): Promise<ActionResult> {
  await findVendorThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockThread(trx, actor, ticketId);
    if (!ticket.response_due_at) return { ok: true, id: ticket.id, notice: 'No response is required on this thread.' } as ActionResult;
    await trx
      .updateTable('tickets')
      .set({ response_due_at: null, response_required_at: null, response_required_by_user_id: null })
      .where('id', '=', ticket.id)
      .execute();
    await writeEvents(trx, ticket, actor, now, [['requirement_lifted', { was_due_at: ticket.response_due_at.toISOString(), was_overdue: ticket.response_due_at <= now }]]);
    return { ok: true, id: ticket.id, notice: 'Response requirement lifted.' } as ActionResult;
  });
}

// ---- Starting a thread to a practice -----------------------------------------------------

export const OUTREACH_AUDIENCES: { value: Exclude<Visibility, 'only_me' | 'person'>; label: string }[] = [
  { value: 'anyone', label: 'Anyone in Practice' },
  { value: 'owners', label: 'Business Owners Only' },
  { value: 'clinical', label: 'Clinical Only (Clinician, Therapy Director)' },
  { value: 'admins', label: 'Admins Only (Practice Administrator and above)' },
];

const outreachSchema = z.object({
  practice_id: z.coerce.number({ error: 'Choose a practice.' }).int().positive('Choose a practice.'),
  department: z.enum(QUEUE_DEPARTMENTS as [TicketDepartment, ...TicketDepartment[]], { error: 'Choose the department the thread belongs to.' }),
  subject: z.string().trim().min(1, 'Enter a subject.').max(200, 'Use at most 200 characters.'),
  message: z.string().trim().min(1, 'Write your message.').max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`),
  audience: z.enum(['anyone', 'owners', 'clinical', 'admins'], { error: 'Choose who at the practice can see the thread.' }),
  admin_level: z.preprocess((v) => v === 'on' || v === 'true', z.boolean()),
  response_window: windowField,
});

/** Practices and departments this user may start a thread with: only where they could then work it. */
export async function outreachChoices(db: Database, actor: Actor) {
  assertCan(actor, 'vendor.console');
  const practices = await db.selectFrom('practices').select(['id', 'name', 'account_manager_id']).orderBy('name').execute();
  return practices
    .map((p) => ({
      id: p.id,
      name: p.name,
      departments: QUEUE_DEPARTMENTS.filter((d) => actor.vendor_admin || actor.departments.includes(d) || actor.managedPracticeIds.includes(p.id)),
    }))
    .filter((p) => p.departments.length > 0);
}

/** Starts a thread from the vendor side (an account manager's outreach, say); it waits on the practice. */
export async function startThread(db: Database, actor: Actor, input: Record<string, string | undefined>, now: Date, publicUrl: string): Promise<ActionResult> {
  const choices = await outreachChoices(db, actor);
  const parsed = outreachSchema.safeParse(input);
  const errors: Record<string, string> = parsed.success ? {} : fieldErrors(parsed.error);
  const practice = parsed.success ? choices.find((p) => p.id === parsed.data.practice_id) : undefined;
  if (parsed.success && !practice) errors.practice_id = 'Choose one of the listed practices.';
  if (parsed.success && practice && !practice.departments.includes(parsed.data.department)) {
    errors.department = `You cannot start a ${QUEUE_LABEL[parsed.data.department]} thread with this practice: you would not be able to work it.`;
  }
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const v = parsed.data;
  const hours = v.response_window ? Number(v.response_window) : null;
  const dueAt = hours ? new Date(now.getTime() + hours * 3_600_000) : null;
  return db.transaction().execute(async (trx) => {
    const ticket = await trx
      .insertInto('tickets')
      .values({
        practice_id: v.practice_id,
        created_by_user_id: actor.id,
        created_by_side: 'vendor',
        subject: v.subject,
        department: v.department,
        visibility: v.audience,
        visible_user_id: null,
        admin_level: v.admin_level || v.audience === 'admins',
        status: 'waiting_practice',
        last_public_message_at: now,
        last_public_author_id: actor.id,
        waiting_since: now,
        created_at: now,
        response_due_at: dueAt,
        response_required_at: dueAt ? now : null,
        response_required_by_user_id: dueAt ? actor.id : null,
      })
      .returning(['id', 'practice_id', 'department', 'status', 'admin_level', 'assigned_to_user_id', 'response_due_at'])
      .executeTakeFirstOrThrow();
    const message = await trx
      .insertInto('ticket_messages')
      .values({ ticket_id: ticket.id, practice_id: ticket.practice_id, author_user_id: actor.id, author_side: 'vendor', internal: false, body: v.message, response_window_hours: hours, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const events: [string, Record<string, unknown>][] = [['created', { by_side: 'vendor', department: v.department, visibility: v.audience, admin_level: ticket.admin_level }]];
    if (dueAt) events.push(['response_required', { message_id: message.id, window_hours: hours, due_at: dueAt.toISOString() }]);
    await writeEvents(trx, ticket, actor, now, events);
    await markVendorRead(trx, actor, ticket, now);
    await notifyTicket(trx, now, publicUrl, { ticketId: ticket.id, notice: 'vendor_thread', eventKey: message.id, actorUserId: actor.id, sides: ['practice'] });
    return { ok: true, id: ticket.id, notice: 'Thread started.' } as ActionResult;
  });
}

// ---- helpers -------------------------------------------------------------------------------

type LockedThread = {
  id: number;
  practice_id: number;
  department: TicketDepartment;
  status: 'waiting_vendor' | 'waiting_practice' | 'closed';
  admin_level: boolean;
  assigned_to_user_id: number | null;
  response_due_at: Date | null;
};

/** Re-reads the thread under a row lock, still through the visibility rule. */
async function lockThread(trx: Database, actor: Actor, ticketId: number): Promise<LockedThread> {
  const ticket = await trx
    .selectFrom('tickets')
    .where(ticketVisibleTo(actor))
    .where('tickets.id', '=', ticketId)
    .select(['id', 'practice_id', 'department', 'status', 'admin_level', 'assigned_to_user_id', 'response_due_at'])
    .forUpdate()
    .executeTakeFirst();
  if (!ticket) throw new NotFound();
  return ticket;
}

/** Writes the events; returns the last one's id (a stable key for notifications). */
async function writeEvents(trx: Database, ticket: { id: number; practice_id: number }, actor: Actor, now: Date, events: [string, Record<string, unknown>][]): Promise<number> {
  const rows = await trx
    .insertInto('ticket_events')
    .values(events.map(([kind, details]) => ({ ticket_id: ticket.id, practice_id: ticket.practice_id, actor_user_id: actor.id, kind, details: JSON.stringify(details), at: now })))
    .returning('id')
    .execute();
  return rows[rows.length - 1].id;
}

export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[String(issue.path[0] ?? 'form')] ??= issue.message;
  return out;
}
