import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Actor } from '../auth/permissions.ts';
import { notifyTicket } from './notify.ts';
import { recordTicketEvents } from './events.ts';
import { findConsoleThread, lockTicket } from './visibility.ts';
import type { TicketResult } from './labels.ts';

// Response deadlines (docs/rules.md "Overdue", "Deadline warnings"). Overdue itself is exact on read
// (response_due_at <= now, src/tickets/overdue.ts); the scheduler only sends the two warnings before
// a deadline (4 hours before, or half-way through a shorter window; then 1 hour before, which also
// goes to the practice's administrators and owners) and records, once, that a thread went overdue,
// telling both sides. A vendor reply sets
// a deadline (src/tickets/replies.ts); a practice reply, a closure or lifting it here ends it.
//
// Exactly once across instances: each pass claims its rows with FOR UPDATE SKIP LOCKED inside a
// transaction and re-checks the condition on the locked row (a practice reply that cleared
// response_due_at in the meantime means no warning); the notification's dedupe key carries the
// deadline itself, so even a replayed pass adds no second email.

const WARNING_LEAD_MS = 4 * 3_600_000;
/** The last warning goes this long before the deadline. */
export const FINAL_WARNING_LEAD_MS = 3_600_000;
const BATCH = 100;

/** The warning goes 4 hours before the deadline, or half-way through a window shorter than 8 hours. */
export function warningLeadMs(requiredAt: Date | null, dueAt: Date): number {
  if (!requiredAt) return WARNING_LEAD_MS;
  return Math.min(WARNING_LEAD_MS, Math.max(0, (dueAt.getTime() - requiredAt.getTime()) / 2));
}

export async function runTicketDeadlines(db: Database, now: Date, publicUrl: string): Promise<number> {
  let handled = 0;
  // The last warning first: a thread already within its last hour (the scheduler was down, or the
  // first warning's time and the last one's fall in one pass) gets only the last warning.
  for (;;) {
    const n = await sendFinalDeadlineWarnings(db, now, publicUrl);
    handled += n;
    if (n < BATCH) break;
  }
  for (;;) {
    const n = await sendDeadlineWarnings(db, now, publicUrl);
    handled += n;
    if (n < BATCH) break;
  }
  for (;;) {
    const n = await recordOverdueThreads(db, now, publicUrl);
    handled += n;
    if (n < BATCH) break;
  }
  return handled;
}

/**
 * The last warning, one hour before the deadline: everyone who can see the thread, and the
 * practice's administrators and owners. Returns how many threads were warned.
 */
export async function sendFinalDeadlineWarnings(db: Database, now: Date, publicUrl: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('tickets')
      .select(['id', 'practice_id', 'response_due_at'])
      .where('response_due_at', 'is not', null)
      .where('final_warning_sent_at', 'is', null)
      .where('status', '<>', 'closed')
      .where('response_due_at', '>', now)
      .where('response_due_at', '<=', new Date(now.getTime() + FINAL_WARNING_LEAD_MS))
      .orderBy('response_due_at')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const t of due) {
      const dueAt = t.response_due_at!;
      await trx
        .updateTable('tickets')
        .set({ final_warning_sent_at: now, overdue_warning_sent_at: sql`coalesce(overdue_warning_sent_at, ${now})` })
        .where('id', '=', t.id)
        .execute();
      await recordTicketEvents(trx, t, [['deadline_warning_sent', { due_at: dueAt.toISOString(), last: true }]], { actorUserId: null, now });
      await notifyTicket(trx, now, publicUrl, { ticketId: t.id, notice: 'deadline_final_warning', eventKey: dueAt.toISOString(), sides: ['practice'], alsoPracticeAdmins: true });
    }
    return due.length;
  });
}

/** Warns the practice of deadlines now within their first warning lead; returns how many threads were warned. */
export async function sendDeadlineWarnings(db: Database, now: Date, publicUrl: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('tickets')
      .select(['id', 'practice_id', 'response_due_at', 'response_required_at'])
      .where('response_due_at', 'is not', null)
      .where('overdue_warning_sent_at', 'is', null)
      .where('status', '<>', 'closed')
      .where('response_due_at', '>', now)
      .where(
        sql<boolean>`response_due_at - least(interval '4 hours', coalesce((response_due_at - response_required_at) / 2, interval '4 hours')) <= ${now}`,
      )
      .orderBy('response_due_at')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const t of due) {
      const dueAt = t.response_due_at!;
      await trx.updateTable('tickets').set({ overdue_warning_sent_at: now }).where('id', '=', t.id).execute();
      await recordTicketEvents(trx, t, [['deadline_warning_sent', { due_at: dueAt.toISOString() }]], { actorUserId: null, now });
      await notifyTicket(trx, now, publicUrl, { ticketId: t.id, notice: 'deadline_warning', eventKey: dueAt.toISOString(), sides: ['practice'] });
    }
    return due.length;
  });
}

/** Records threads whose deadline passed, and tells both sides once. */
export async function recordOverdueThreads(db: Database, now: Date, publicUrl: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const overdue = await trx
      .selectFrom('tickets')
      .select(['id', 'practice_id', 'response_due_at'])
      .where('response_due_at', 'is not', null)
      .where('overdue_recorded_at', 'is', null)
      .where('response_due_at', '<=', now)
      .orderBy('response_due_at')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const t of overdue) {
      const dueAt = t.response_due_at!;
      // A deadline that passed before a warning could go out needs no warning any more.
      await trx
        .updateTable('tickets')
        .set({ overdue_recorded_at: now, overdue_warning_sent_at: sql`coalesce(overdue_warning_sent_at, ${now})` })
        .where('id', '=', t.id)
        .execute();
      await recordTicketEvents(trx, t, [['went_overdue', { due_at: dueAt.toISOString() }]], { actorUserId: null, now });
      await notifyTicket(trx, now, publicUrl, { ticketId: t.id, notice: 'overdue', eventKey: dueAt.toISOString(), sides: ['practice', 'vendor'] });
    }
    return overdue.length;
  });
}

/** Lifts the response requirement from the console: Overdue and the practice's block end at once. */
export async function liftResponseRequirement(db: Database, actor: Actor, ticketId: number, now: Date): Promise<TicketResult> {
  await findConsoleThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    if (!ticket.response_due_at) return { ok: true, id: ticket.id, notice: 'No response is required on this thread.' } as TicketResult;
    await trx
      .updateTable('tickets')
      .set({ response_due_at: null, response_required_at: null, response_required_by_user_id: null })
      .where('id', '=', ticket.id)
      .execute();
    await recordTicketEvents(trx, ticket, [['requirement_lifted', { was_due_at: ticket.response_due_at.toISOString(), was_overdue: ticket.response_due_at <= now }]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: 'Response requirement lifted.' } as TicketResult;
  });
}
