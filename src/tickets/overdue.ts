import type { Database } from '../db/database.ts';
import { loadActor, mayActorSeeTicket, practiceIdOf, practiceUsers, visibleTickets, type Actor } from '../auth/permissions.ts';

// Overdue: a thread whose response_due_at has passed, computed from the clock on every read.
// While a practice has one, nobody there may start a new thread (docs/rules.md, Overdue).

export type OverdueBlock = {
  /** Overdue threads this user can see: linked by subject. */
  visible: { id: number; subject: string; response_due_at: Date }[];
  /** Overdue threads this user cannot see: only how many, and who can answer them. Never a subject. */
  hidden: { count: number; answerers: string[] };
};

/**
 * `response_due_at > '-infinity'` (a parameter) leaves no deadline out, and also stands for `is not null`; it
 * makes the overdue check a range between two parameters, which PostgreSQL estimates at 0.5 % of the
 * practice's deadlines without knowing either. With `<= now` alone it estimated a third of them, found
 * the kept (generic) plan dearer than one planned for each request's now, and planned the statement afresh
 * on every Get Help and Dashboard request: 0.28 ms of the database's CPU for 0.03 ms of work (the same
 * index scan either way; bench/generic-plans.ts lists each statement's generic and custom plans).
 */
const EARLIEST_DEADLINE = '-infinity' as unknown as Date;

export function isOverdue(responseDueAt: Date | null, now: Date): boolean {
  return responseDueAt !== null && responseDueAt.getTime() <= now.getTime();
}

/**
 * Whether the practice has a thread past its deadline: the first step of findOverdueBlock, as a
 * subquery the Get Help and Dashboard pages run inside their list's statement (tickets/list.ts), so
 * the usual answer (nothing overdue) costs no statement of its own.
 */
export function anyOverdueQuery(db: Database, actor: Actor, now: Date) {
  return practiceOverdueThreads(db, actor, now).select('id').limit(1);
}

/** Every overdue thread of the actor's practice, visible to the actor or not (docs/rules.md, Overdue). */
function practiceOverdueThreads(db: Database, actor: Actor, now: Date) {
  return db.selectFrom('tickets').where('practice_id', '=', practiceIdOf(actor)).where('response_due_at', '>', EARLIEST_DEADLINE).where('response_due_at', '<=', now);
}

/** The block on creating threads for this user's practice, or null when nothing is overdue. */
export async function findOverdueBlock(db: Database, actor: Actor, now: Date): Promise<OverdueBlock | null> {
  const all = await practiceOverdueThreads(db, actor, now)
    .select(['id', 'practice_id', 'department', 'visibility', 'visible_user_id', 'admin_level', 'created_by_user_id'])
    .orderBy('response_due_at')
    .orderBy('id')
    .execute();
  if (!all.length) return null;
  const visible = await visibleTickets(db, actor)
    .select(['tickets.id', 'tickets.subject', 'tickets.response_due_at'])
    .where('tickets.response_due_at', 'is not', null)
    .where('tickets.response_due_at', '<=', now)
    .orderBy('tickets.response_due_at')
    .orderBy('tickets.id')
    .execute();
  const visibleIds = new Set(visible.map((t) => t.id));
  const hidden = all.filter((t) => !visibleIds.has(t.id));
  const answerers = new Set<string>();
  if (hidden.length) {
    const staff = await practiceUsers(db, actor)
      .selectAll()
      .where('kind', '=', 'staff')
      .where('active', '=', true)
      .where('limit_messaging', '=', false)
      .orderBy('name')
      .execute();
    for (const user of staff) {
      const colleague = await loadActor(db, user);
      if (hidden.some((t) => mayActorSeeTicket(colleague, t))) answerers.add(user.name);
    }
  }
  return {
    visible: visible.map((t) => ({ id: t.id, subject: t.subject, response_due_at: t.response_due_at! })),
    hidden: { count: hidden.length, answerers: [...answerers] },
  };
}
