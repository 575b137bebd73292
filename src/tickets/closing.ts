import type { Database } from '../db/database.ts';
import type { Actor } from '../auth/permissions.ts';
import { recordTicketEvents } from './events.ts';
import { findConsoleThread, findVisibleTicket, lockTicket } from './visibility.ts';
import type { TicketResult } from './labels.ts';

// Closing and reopening a thread, from the console or by the practice itself (docs/rules.md,
// "Resolving a thread"): whoever may reply to a thread may close and reopen it. The event names who.
// (A practice reply reopens a closed thread too: src/tickets/replies.ts.)

export const ANSWER_BEFORE_CLOSING = 'StrataPT asked your practice for a response on this thread. Reply first (your reply can say the matter is resolved), then mark it resolved.';

/**
 * Closes the thread (a closure lifts any response requirement: a closed thread blocks nobody).
 * The practice may not close away a response StrataPT required: it answers it first.
 */
export async function closeThread(db: Database, actor: Actor, ticketId: number, now: Date): Promise<TicketResult> {
  await findThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    if (ticket.status === 'closed') return { ok: true, id: ticket.id, notice: 'The thread was already closed.' } as TicketResult;
    if (actor.kind === 'staff' && ticket.response_due_at) return { ok: false, errors: { closure: ANSWER_BEFORE_CLOSING } } as TicketResult;
    await trx
      .updateTable('tickets')
      .set({ status: 'closed', closed_at: now, response_due_at: null, response_required_at: null, response_required_by_user_id: null })
      .where('id', '=', ticket.id)
      .execute();
    await recordTicketEvents(trx, ticket, [['closed', { had_requirement_due_at: ticket.response_due_at?.toISOString() ?? null, side: sideOf(actor) }]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: 'Thread closed.' } as TicketResult;
  });
}

/** Reopens a closed thread: it waits on the vendor again. */
export async function reopenThread(db: Database, actor: Actor, ticketId: number, now: Date): Promise<TicketResult> {
  await findThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    if (ticket.status !== 'closed') return { ok: true, id: ticket.id, notice: 'The thread is already open.' } as TicketResult;
    await trx.updateTable('tickets').set({ status: 'waiting_vendor', closed_at: null, waiting_since: now }).where('id', '=', ticket.id).execute();
    await recordTicketEvents(trx, ticket, [['reopened', { side: sideOf(actor) }]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: 'Thread reopened.' } as TicketResult;
  });
}

/** The thread as this actor may act on it: the console's view for the vendor team, Get Help's for staff. */
async function findThread(db: Database, actor: Actor, ticketId: number, now: Date) {
  return actor.kind === 'vendor' ? findConsoleThread(db, actor, ticketId, now) : findVisibleTicket(db, actor, ticketId);
}

function sideOf(actor: Actor): 'vendor' | 'practice' {
  return actor.kind === 'vendor' ? 'vendor' : 'practice';
}
