import { z } from 'zod';
import type { Insertable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { TicketsTable, TicketDepartment } from '../db/schema.ts';
import { assertCan, can, practiceIdOf, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { findPracticePatient, type PatientMatch } from '../patients/search.ts';
import { notifyTicket, type TicketNotice } from './notify.ts';
import { findOverdueBlock, type OverdueBlock } from './overdue.ts';
import { listColleagues, parseVisibleTo, previewAudience, type Colleague } from './visible-to.ts';
import { readAttachments, type UploadedFile } from './attachments.ts';
import { recordTicketEvents, type TicketEvent } from './events.ts';
import { markTicketRead } from './conversation.ts';
import { insertTicketMessage, windowField } from './replies.ts';
import { findHypercare } from './hypercare.ts';
import { MESSAGE_MAX, QUEUE_DEPARTMENTS, QUEUE_LABEL, SUBJECT_MAX, type TicketFields, type TicketResult } from './labels.ts';

// Opening a thread: from a practice (Create New Message Thread) or from the console (outreach).
// Both write the thread, its first message, its events and the notification in one transaction
// (openTicket).

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

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());
const messageField = z.string({ error: 'Write your message.' }).trim().min(1, 'Write your message.').max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`);
const subjectField = z.string({ error: 'Enter a subject.' }).trim().min(1, 'Enter a subject.').max(SUBJECT_MAX, `Use at most ${SUBJECT_MAX} characters.`);
const createSchema = z.object({
  subject: subjectField,
  type: z.enum(['billing', 'success', 'technical', 'feedback'], { error: 'Choose the type of question: it routes the thread to the right team.' }),
  message: messageField,
  patient_id: z.string().trim().regex(/^\d{0,15}$/, 'Choose a patient from the list.').optional(),
  show_all: checkbox,
  visible_to: z.string().optional(),
  admin_level: checkbox,
});

/**
 * Opens a thread from a practice: validates every field (a message at each), refuses while the
 * practice has an Overdue thread (docs/rules.md "Overdue"), then opens it in one transaction.
 */
export async function createTicket(db: Database, actor: Actor, request: { fields: TicketFields; files: unknown[]; now: Date; publicUrl: string }): Promise<TicketResult> {
  assertCan(actor, 'tickets.use');
  const { fields: input, now } = request;
  const parsed = createSchema.safeParse(input);
  const errors: Record<string, string> = parsed.success ? {} : fieldErrors(parsed.error);
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
  const uploads = await readAttachments(request.files);
  if (!uploads.ok) errors.files = uploads.error;
  if (Object.keys(errors).length || !parsed.success || !choice || !uploads.ok) return { ok: false, errors };
  const v = parsed.data;
  const department = v.type as TicketDepartment;

  return db.transaction().execute(async (trx) => {
    const block = await findOverdueBlock(trx, actor, now);
    if (block) return { ok: false, blocked: true, errors: { form: 'A thread of your practice is Overdue: answer it before starting a new one.' } } as TicketResult;
    const id = await openTicket(trx, actor, {
      ticket: {
        practice_id: practiceIdOf(actor),
        created_by_side: 'practice',
        subject: v.subject,
        department,
        patient_id: patient?.id ?? null,
        visibility: choice.visibility,
        visible_user_id: choice.visibleUserId,
        admin_level: adminLevel,
        status: 'waiting_vendor',
      },
      message: { body: v.message, files: uploads.files, windowHours: null },
      events: [['created', { department, visibility: choice.visibility, visible_user_id: choice.visibleUserId, admin_level: adminLevel, patient_id: patient?.id ?? null }]],
      markRead: choice.visibility !== 'person' || choice.visibleUserId === actor.id,
      notice: 'created',
      now,
      publicUrl: request.publicUrl,
    });
    await recordAudit(trx, { at: now, actor, action: 'ticket.created', recordType: 'ticket', recordId: id, details: { patient_id: patient?.id ?? null } });
    return { ok: true, id } as TicketResult;
  });
}

const outreachSchema = z.object({
  practice_id: z.coerce.number({ error: 'Choose a practice.' }).int().positive('Choose a practice.'),
  department: z.enum(QUEUE_DEPARTMENTS as [TicketDepartment, ...TicketDepartment[]], { error: 'Choose the department the thread belongs to.' }),
  subject: z.string().trim().min(1, 'Enter a subject.').max(SUBJECT_MAX, `Use at most ${SUBJECT_MAX} characters.`),
  message: messageField,
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

/** Starts a thread from the console (an account manager's outreach, say); it waits on the practice. */
export async function startThread(db: Database, actor: Actor, request: { fields: TicketFields; now: Date; publicUrl: string }): Promise<TicketResult> {
  const { now } = request;
  const choices = await outreachChoices(db, actor);
  const parsed = outreachSchema.safeParse(request.fields);
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
  const adminLevel = v.admin_level || v.audience === 'admins';
  return db.transaction().execute(async (trx) => {
    const events: TicketEvent[] = [['created', { by_side: 'vendor', department: v.department, visibility: v.audience, admin_level: adminLevel }]];
    if (dueAt) events.push(['response_required', { window_hours: hours, due_at: dueAt.toISOString() }]);
    const id = await openTicket(trx, actor, {
      ticket: {
        practice_id: v.practice_id,
        created_by_side: 'vendor',
        subject: v.subject,
        department: v.department,
        visibility: v.audience,
        visible_user_id: null,
        admin_level: adminLevel,
        status: 'waiting_practice',
        response_due_at: dueAt,
        response_required_at: dueAt ? now : null,
        response_required_by_user_id: dueAt ? actor.id : null,
      },
      message: { body: v.message, files: [], windowHours: hours },
      events,
      markRead: true,
      notice: 'vendor_thread',
      sides: ['practice'],
      now,
      publicUrl: request.publicUrl,
    });
    return { ok: true, id, notice: 'Thread started.' } as TicketResult;
  });
}

type NewTicket = Omit<Insertable<TicketsTable>, 'created_by_user_id' | 'last_public_message_at' | 'last_public_author_id' | 'waiting_since' | 'created_at'>;

/**
 * Writes a new thread with its first message, its events (each message-related one gets the first
 * message's id), the author's read marker and the notification, in the caller's transaction.
 */
async function openTicket(
  trx: Database,
  actor: Actor,
  o: {
    ticket: NewTicket;
    message: { body: string; files: UploadedFile[]; windowHours: number | null };
    events: TicketEvent[];
    markRead: boolean;
    notice: TicketNotice;
    sides?: ('practice' | 'vendor')[];
    now: Date;
    publicUrl: string;
  },
): Promise<number> {
  const { now } = o;
  const ticket = await trx
    .insertInto('tickets')
    .values({ ...o.ticket, created_by_user_id: actor.id, last_public_message_at: now, last_public_author_id: actor.id, waiting_since: now, created_at: now })
    .returning(['id', 'practice_id'])
    .executeTakeFirstOrThrow();
  const side = actor.kind === 'vendor' ? 'vendor' : 'practice';
  const messageId = await insertTicketMessage(trx, ticket, { authorId: actor.id, side, internal: false, ...o.message, now });
  const events = o.events.map(([kind, details]): TicketEvent => [kind, kind === 'response_required' ? { message_id: messageId, ...details } : details]);
  await recordTicketEvents(trx, ticket, events, { actorUserId: actor.id, now });
  if (o.markRead) await markTicketRead(trx, actor, ticket, now);
  await notifyTicket(trx, now, o.publicUrl, { ticketId: ticket.id, notice: o.notice, eventKey: messageId, actorUserId: actor.id, ...(o.sides ? { sides: o.sides } : {}) });
  return ticket.id;
}
