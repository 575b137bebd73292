import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { TicketDepartment } from '../db/schema.ts';
import { assertCan, visibleTickets, type Actor } from '../auth/permissions.ts';
import { NotFound } from '../web/errors.ts';
import { findPracticePatient } from '../patients/search.ts';
import { recordTicketEvents } from './events.ts';
import { hypercareSql } from './hypercare.ts';
import { isOverdue } from './overdue.ts';
import type { TicketResult } from './labels.ts';

// Loading one thread. Every read and every state change goes through visibleTickets
// (src/auth/permissions.ts, docs/rules.md "Visibility"): what the actor may not see does not exist.

export type TicketDetail = Awaited<ReturnType<typeof findVisibleTicket>>;

/** One thread as the practice sees it; anything else is "not found". */
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

export type ConsoleThread = Awaited<ReturnType<typeof findConsoleThread>>;

/** One thread as the vendor's team works it in the console; anything else does not exist for them. */
export async function findConsoleThread(db: Database, actor: Actor, id: number, now: Date) {
  assertCan(actor, 'vendor.console');
  const row = await visibleTickets(db, actor)
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
  return { ...row, hypercare: !!row.hypercare, overdue: isOverdue(row.response_due_at, now) };
}

export type LockedTicket = {
  id: number;
  practice_id: number;
  department: TicketDepartment;
  status: 'waiting_vendor' | 'waiting_practice' | 'closed';
  admin_level: boolean;
  assigned_to_user_id: number | null;
  response_due_at: Date | null;
};

/** Re-reads the thread under a row lock inside the caller's transaction, still through the visibility rule. */
export async function lockTicket(trx: Database, actor: Actor, ticketId: number): Promise<LockedTicket> {
  const ticket = await visibleTickets(trx, actor)
    .where('tickets.id', '=', ticketId)
    .select(['tickets.id', 'tickets.practice_id', 'tickets.department', 'tickets.status', 'tickets.admin_level', 'tickets.assigned_to_user_id', 'tickets.response_due_at'])
    .forUpdate()
    .executeTakeFirst();
  if (!ticket) throw new NotFound();
  return ticket;
}

/** Marks the thread admin-level (account-level matters): only Practice Administrators and above see it. */
export async function setAdminLevel(db: Database, actor: Actor, ticketId: number, change: { adminLevel: boolean; now: Date }): Promise<TicketResult> {
  const { adminLevel, now } = change;
  await findConsoleThread(db, actor, ticketId, now);
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    if (ticket.admin_level === adminLevel) return { ok: true, id: ticket.id, notice: 'Nothing changed.' } as TicketResult;
    await trx.updateTable('tickets').set({ admin_level: adminLevel }).where('id', '=', ticket.id).execute();
    await recordTicketEvents(trx, ticket, [[adminLevel ? 'admin_level_set' : 'admin_level_removed', {}]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: adminLevel ? 'Marked admin-level.' : 'No longer admin-level.' } as TicketResult;
  });
}
