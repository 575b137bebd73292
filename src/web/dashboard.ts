import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database } from '../db/database.ts';
import { can, type Actor } from '../auth/permissions.ts';
import { actorPlaceholders, actorShapeKey, actorValues } from '../auth/actor-shape.ts';
import { shapedStatement } from '../db/shaped-query.ts';
import { needsReplyColumns, type NeedsReply } from '../tickets/list.ts';
import { findOverdueBlock, type OverdueBlock } from '../tickets/overdue.ts';
import { appointmentChanges, appointmentChangesQuery, readAppointmentChanges, type AppointmentChange } from '../reminders/day-list.ts';

export type Dashboard = { needsReply: NeedsReply | null; appointmentChanges: AppointmentChange[]; ticketBlock: OverdueBlock | null };

/**
 * The Dashboard in one statement beside the session's: "Needs your reply" with its count and whether
 * anything is overdue (tickets/list.ts), and the appointment changes (reminders/day-list.ts). A
 * statement costs a request about 0.17 ms of CPU (docs/performance-log.md, "Fewer statements a page"); the Overdue
 * block itself is read only when something is overdue. A user without the Ticket platform (Limit
 * Messaging Access) sees the appointment changes alone.
 */
export async function loadDashboard(db: Database, actor: Actor, now: Date): Promise<Dashboard> {
  if (!can(actor, 'tickets.use')) return { needsReply: null, appointmentChanges: await appointmentChanges(db, actor, now), ticketBlock: null };
  const { rows: [row] } = await dashboardStatement(db, { actor, now });
  const threads = needsReplyColumns(db, actor, now).read(row!);
  return {
    needsReply: threads,
    appointmentChanges: readAppointmentChanges(row.appointment_changes),
    ticketBlock: threads.anyOverdue ? await findOverdueBlock(db, actor, now) : null,
  };
}

/** The statement's text is decided by the actor's shape alone (src/db/shaped-query.ts). */
const dashboardStatement = shapedStatement({
  key: ({ actor }: { actor: Actor; now: Date }) => actorShapeKey(actor),
  placeholders: ({ actor }, placeholder) => ({ actor: actorPlaceholders(actor, placeholder), now: placeholder('now') }),
  values: ({ actor, now }) => ({ ...actorValues(actor), now }),
  build: (db, { actor, now }) =>
    db.selectNoFrom((eb) => [...needsReplyColumns(db, actor, now).columns(eb), jsonArrayFrom(appointmentChangesQuery(db, actor, now)).as('appointment_changes')]),
});
