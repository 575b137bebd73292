import type { Database } from '../db/database.ts';
import type { Actor } from '../auth/permissions.ts';
import { recordTicketEvents } from './events.ts';
import { findConsoleThread, lockTicket } from './visibility.ts';
import type { TicketResult } from './labels.ts';

// Closing and reopening a thread from the console. (A practice reply reopens a closed thread too:
// src/tickets/replies.ts.)

/** Closes the thread (a closure lifts any response requirement: a closed thread blocks nobody). */
export async function closeThread(db: Database, actor: Actor, ticketId: number, now: Date): Promise<TicketResult> {
  await findConsoleThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    if (ticket.status === 'closed') return { ok: true, id: ticket.id, notice: 'The thread was already closed.' } as TicketResult;
    await trx
      .updateTable('tickets')
      .set({ status: 'closed', closed_at: now, response_due_at: null, response_required_at: null, response_required_by_user_id: null })
      .where('id', '=', ticket.id)
      .execute();
    await recordTicketEvents(trx, ticket, [['closed', { had_requirement_due_at: ticket.response_due_at?.toISOString() ?? null }]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: 'Thread closed.' } as TicketResult;
  });
}

/** Reopens a closed thread: it waits on the vendor again. */
export async function reopenThread(db: Database, actor: Actor, ticketId: number, now: Date): Promise<TicketResult> {
  await findConsoleThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    if (ticket.status !== 'closed') return { ok: true, id: ticket.id, notice: 'The thread is already open.' } as TicketResult;
    await trx.updateTable('tickets').set({ status: 'waiting_vendor', closed_at: null, waiting_since: now }).where('id', '=', ticket.id).execute();
    await recordTicketEvents(trx, ticket, [['reopened', {}]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: 'Thread reopened.' } as TicketResult;
  });
}
