import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database } from '../db/database.ts';
import { can, type Actor } from '../auth/permissions.ts';
import { needsReplyColumns, type NeedsReply } from '../tickets/list.ts';
import { findOverdueBlock, type OverdueBlock } from '../tickets/overdue.ts';
import { appointmentChanges, appointmentChangesQuery, readAppointmentChanges, type AppointmentChange } from '../reminders/day-list.ts';

export type Dashboard = { needsReply: NeedsReply | null; appointmentChanges: AppointmentChange[]; ticketBlock: OverdueBlock | null };

/**
 * The Dashboard in one statement beside the session's: "Needs your reply" with its count and whether
 * anything is overdue (tickets/list.ts), and the appointment changes (reminders/day-list.ts). A
 * statement costs a request about 0.17 ms of CPU (README, "Fewer statements a page"); the Overdue
 * block itself is read only when something is overdue. A user without the Ticket platform (Limit
 * Messaging Access) sees the appointment changes alone.
 */
export async function loadDashboard(db: Database, actor: Actor, now: Date): Promise<Dashboard> {
  if (!can(actor, 'tickets.use')) return { needsReply: null, appointmentChanges: await appointmentChanges(db, actor, now), ticketBlock: null };
  const needsReply = needsReplyColumns(db, actor, now);
  const row = await db
    .selectNoFrom((eb) => [...needsReply.columns(eb), jsonArrayFrom(appointmentChangesQuery(db, actor, now)).as('appointment_changes')])
    .executeTakeFirstOrThrow();
  const threads = needsReply.read(row);
  return {
    needsReply: threads,
    appointmentChanges: readAppointmentChanges(row.appointment_changes),
    ticketBlock: threads.anyOverdue ? await findOverdueBlock(db, actor, now) : null,
  };
}
