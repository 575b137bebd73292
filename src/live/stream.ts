import type { Database } from '../db/database.ts';
import { can, loadActor, visibleTickets, type Actor } from '../auth/permissions.ts';
import type { SessionPolicy } from '../auth/sessions.ts';

// What one open event stream may tell its user (docs/rules.md, "Live updates"). A NOTIFY carries
// only ids; before anything goes down a stream, the user's session is re-read (signed out,
// deactivated, idle or expired ends the stream) and the changed threads are filtered through the
// visibility rule with the user as they are now.

/** The stream's user as they are now, or null when their session no longer holds. */
export async function recheckLiveActor(db: Database, actor: Actor, sessionId: string, now: Date, policy: SessionPolicy): Promise<Actor | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.last_active_at as session_last_active_at', 'sessions.expires_at as session_expires_at'])
    .where('sessions.id', '=', sessionId)
    .where('sessions.user_id', '=', actor.id)
    .executeTakeFirst();
  if (!row || !row.active || now >= row.session_expires_at || now.getTime() >= row.session_last_active_at.getTime() + policy.idleMs) return null;
  const { session_last_active_at: _a, session_expires_at: _e, ...user } = row;
  const fresh = await loadActor(db, user);
  return can(fresh, 'tickets.use') ? fresh : null;
}

/** Of these changed threads, the ones this user can see. */
export async function visibleChangedTickets(db: Database, actor: Actor, ticketIds: number[]): Promise<number[]> {
  if (!ticketIds.length) return [];
  const rows = await visibleTickets(db, actor).select('tickets.id').where('tickets.id', 'in', ticketIds).orderBy('tickets.id').execute();
  return rows.map((r) => r.id);
}
