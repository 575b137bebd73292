import type { Database } from '../db/database.ts';
import { loadActor, mayActorSeeTicket, PRACTICE_ADMIN } from '../auth/permissions.ts';
import { enqueueMessage } from '../messaging/outbox.ts';

// Ticket emails. They say only that something happened on ticket #N and link to it: no subject,
// no patient, no message text (docs/rules.md, Ticket emails).

export type TicketNotice = 'created' | 'practice_reply' | 'vendor_reply' | 'vendor_thread' | 'moved' | 'deadline_warning' | 'deadline_final_warning' | 'overdue';

const SENTENCES: Record<TicketNotice, (id: number) => string> = {
  created: (id) => `A new ticket #${id} was opened.`,
  practice_reply: (id) => `There is a new reply on ticket #${id}.`,
  vendor_reply: (id) => `There is a new reply on ticket #${id}.`,
  vendor_thread: (id) => `StrataPT started ticket #${id} with your practice.`,
  moved: (id) => `Ticket #${id} was moved to your department.`,
  deadline_warning: (id) => `A response is due soon on ticket #${id}.`,
  deadline_final_warning: (id) => `A response is due within the hour on ticket #${id}. If none arrives in time, nobody at your practice can open a new thread until someone answers it.`,
  overdue: (id) => `Ticket #${id} is overdue: a response was required and none was received.`,
};

/**
 * Queues one email per person to notify, in the caller's transaction. `eventKey` makes the
 * deduplication key unique per event (a message id, a deadline), so retries add nothing.
 * Returns how many were queued.
 */
export async function notifyTicket(
  db: Database,
  now: Date,
  publicUrl: string,
  input: {
    ticketId: number;
    notice: TicketNotice;
    eventKey: string | number;
    actorUserId?: number | null;
    sides?: ('practice' | 'vendor')[];
    /** Also the practice's administrators and owners who cannot see the thread (told only its number). */
    alsoPracticeAdmins?: boolean;
  },
): Promise<number> {
  const ticket = await db
    .selectFrom('tickets')
    .select(['id', 'practice_id', 'department', 'visibility', 'visible_user_id', 'admin_level', 'created_by_user_id'])
    .where('id', '=', input.ticketId)
    .executeTakeFirstOrThrow();
  const sides = input.sides ?? (input.notice === 'created' || input.notice === 'practice_reply' || input.notice === 'moved' ? ['vendor'] : ['practice']);
  const candidates = await db
    .selectFrom('users')
    .selectAll()
    .where('active', '=', true)
    .where('notify_email', '=', true)
    .where((eb) =>
      eb.or([
        ...(sides.includes('practice') ? [eb.and([eb('kind', '=', 'staff'), eb('practice_id', '=', ticket.practice_id)])] : []),
        ...(sides.includes('vendor') ? [eb('kind', '=', 'vendor')] : []),
      ]),
    )
    .execute();
  let queued = 0;
  for (const user of candidates) {
    if (user.id === input.actorUserId) continue;
    const actor = await loadActor(db, user);
    // Vendor admins see every queue but are told only about their own departments' and practices' threads.
    const sees = actor.kind === 'vendor' ? true : mayActorSeeTicket(actor, ticket);
    const notifiable =
      actor.kind === 'vendor'
        ? actor.departments.includes(ticket.department) || actor.managedPracticeIds.includes(ticket.practice_id)
        : sees || (!!input.alsoPracticeAdmins && !actor.limit_messaging && (actor.role ?? 0) >= PRACTICE_ADMIN);
    if (!notifiable) continue;
    const path = actor.kind === 'vendor' ? `/vendor/tickets/${ticket.id}` : sees ? `/tickets/${ticket.id}` : '/tickets';
    const ending = sees ? 'Sign in to read it.' : 'You cannot see this thread; the people at your practice who can have been told too.';
    const id = await enqueueMessage(db, now, {
      practiceId: ticket.practice_id,
      userId: user.id,
      kind: 'ticket_notification',
      channel: 'email',
      recipient: user.email,
      subject: `StrataPT ticket #${ticket.id}`,
      body: `${SENTENCES[input.notice](ticket.id)} ${ending}\n\n${publicUrl}${path}\n`,
      reason: { ticketId: ticket.id, notice: input.notice },
      dedupeKey: `ticket:${ticket.id}:${input.notice}:${input.eventKey}:user:${user.id}`,
    });
    if (id) queued++;
  }
  return queued;
}
