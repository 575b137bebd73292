import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { TicketDepartment } from '../db/schema.ts';
import { visibleTickets, type Actor } from '../auth/permissions.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { notifyTicket } from './notify.ts';
import { recordTicketEvents } from './events.ts';
import { findConsoleThread, lockTicket } from './visibility.ts';
import { QUEUE_DEPARTMENTS, QUEUE_LABEL, type TicketFields, type TicketResult } from './labels.ts';

// Who works a thread: assigning it to a colleague, moving it to another department's queue.

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

/** Assigns the thread to a colleague who could work it, or to nobody. */
export async function assignThread(db: Database, actor: Actor, ticketId: number, change: { fields: TicketFields; now: Date }): Promise<TicketResult> {
  const { now } = change;
  const thread = await findConsoleThread(db, actor, ticketId, now);
  const raw = (change.fields.assignee ?? '').trim();
  const assigneeId = raw === '' ? null : Number(raw);
  if (assigneeId !== null) {
    const allowed = await listAssignees(db, thread);
    if (!Number.isSafeInteger(assigneeId) || !allowed.some((a) => a.id === assigneeId)) {
      return { ok: false, errors: { assignee: 'Choose a colleague from the list: only people who can work this thread can be assigned.' } };
    }
  }
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    if (ticket.assigned_to_user_id === assigneeId) return { ok: true, id: ticket.id, notice: 'Nothing changed.' } as TicketResult;
    await trx.updateTable('tickets').set({ assigned_to_user_id: assigneeId }).where('id', '=', ticket.id).execute();
    await recordTicketEvents(trx, ticket, [[assigneeId ? 'assigned' : 'unassigned', { from_user_id: ticket.assigned_to_user_id, to_user_id: assigneeId }]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: assigneeId ? 'Thread assigned.' : 'Thread unassigned.' } as TicketResult;
  });
}

const moveSchema = z.object({
  department: z.enum(QUEUE_DEPARTMENTS as [TicketDepartment, ...TicketDepartment[]], { error: 'Choose the department to move the thread to.' }),
  reason: z.string().trim().min(1, 'Say why the thread is moving: the receiving team reads it.').max(500, 'Use at most 500 characters.'),
});

/** Moves the thread to another department's queue, with the reason; the new department is told. */
export async function moveThread(db: Database, actor: Actor, ticketId: number, change: { fields: TicketFields; now: Date; publicUrl: string }): Promise<TicketResult> {
  const { now } = change;
  const thread = await findConsoleThread(db, actor, ticketId, now);
  const parsed = moveSchema.safeParse(change.fields);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  if (parsed.data.department === thread.department) return { ok: false, errors: { department: `The thread is already in ${QUEUE_LABEL[thread.department]}.` } };
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    await trx.updateTable('tickets').set({ department: parsed.data.department, assigned_to_user_id: null }).where('id', '=', ticket.id).execute();
    const event = await recordTicketEvents(trx, ticket, [['moved', { from: ticket.department, to: parsed.data.department, reason: parsed.data.reason }]], { actorUserId: actor.id, now });
    await notifyTicket(trx, now, change.publicUrl, { ticketId: ticket.id, notice: 'moved', eventKey: event, actorUserId: actor.id, sides: ['vendor'] });
    const stillVisible = await visibleTickets(trx, actor).where('tickets.id', '=', ticket.id).select('tickets.id').executeTakeFirst();
    return { ok: true, id: ticket.id, gone: !stillVisible, notice: `Moved to ${QUEUE_LABEL[parsed.data.department]}.` } as TicketResult;
  });
}
