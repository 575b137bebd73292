import type { Context } from 'hono';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { AppDeps, AppEnv } from './types.ts';
import { currentActor } from './http.ts';
import { capabilitiesOf, type Actor, type Capability } from '../auth/permissions.ts';
import { sessionIdFromToken, settleSession, type Session, type SessionPolicy } from '../auth/sessions.ts';
import { countUnreadTickets, countUnreadTicketsOfStaffRowSql } from '../tickets/unread.ts';
import { countQueueUnread, countQueueUnreadOfVendorRowSql } from '../tickets/queues.ts';
import { actorPractice } from '../auth/account.ts';
import { shapedStatement } from '../db/shaped-query.ts';

/** What every signed-in page needs besides its own data: who is looking, the form token, the menu's counts. */
export type ViewContext = {
  actor: Actor;
  /** What the actor may do (`can` for each capability), so views need not ask the rule. */
  may: Record<Capability, boolean>;
  csrf: string;
  path: string;
  practice: MenuContext['practice'];
  /** Get Help's unread threads for staff; for the vendor's team, unread open threads in their queues. */
  unreadTickets: number;
  demo: boolean;
};

/** The header's practice and the menu's badge, read with the session when the request may render a page. */
export type MenuContext = {
  practice: { id: number; name: string; phone: string; time_zone: string } | null;
  unreadTickets: number;
};

export async function viewContext(c: Context<AppEnv>, deps: AppDeps): Promise<ViewContext> {
  const actor = currentActor(c);
  const menu = c.get('menu') ?? (await loadMenu(deps.db, actor));
  return { actor, may: capabilitiesOf(actor), csrf: c.get('csrf'), path: c.req.path, practice: menu.practice, unreadTickets: menu.unreadTickets, demo: deps.config.demo };
}

/**
 * For a route that changed what the menu counts (opening a thread marks it read) after the request's
 * statement read it: viewContext counts again.
 */
export function menuCountsChanged(c: Context<AppEnv>): void {
  c.set('menu', null);
}

export type SignedInRequest = { session: Session; actor: Actor; menu: MenuContext | null };

/**
 * Everything a signed-in request needs before its own work, in one statement: the session, its user
 * as an Actor (with a vendor user's departments and managed practices) and, when `withMenu`, the
 * header's practice and the menu's badge. The session rules are settleSession's (an expired, idle or
 * deactivated one is deleted and refused; a live one slides, written at most once a minute), and the
 * badge is counted only for a session that holds, from the user's unread set (staff_unread or
 * vendor_unread), which the database keeps by the visibility rule of src/auth/permissions.ts.
 */
export async function loadSignedInRequest(
  db: Database,
  now: Date,
  policy: SessionPolicy,
  token: string,
  o: { withMenu: boolean },
): Promise<SignedInRequest | null> {
  const result = await signedInStatement(db, {
    withMenu: o.withMenu,
    now,
    idleCutoff: new Date(now.getTime() - policy.idleMs),
    sessionId: sessionIdFromToken(token),
  });
  const row = result.rows[0];
  if (!row) return null;
  const session = await settleSession(db, now, policy, {
    id: row.session_id,
    userId: row.id,
    createdAt: row.session_created_at,
    lastActiveAt: row.session_last_active_at,
    expiresAt: row.session_expires_at,
  }, row.active);
  if (!session) return null;
  const actor: Actor = {
    id: row.id,
    kind: row.kind,
    practice_id: row.practice_id,
    role: row.role,
    name: row.name,
    email: row.email,
    limit_messaging: row.limit_messaging,
    reporting: row.reporting,
    active: row.active,
    vendor_admin: row.vendor_admin,
    departments: row.departments,
    managedPracticeIds: row.managed,
  };
  const practice =
    actor.kind === 'staff' && actor.practice_id != null && row.practice_name !== null
      ? { id: actor.practice_id, name: row.practice_name, phone: row.practice_phone!, time_zone: row.practice_time_zone! }
      : null;
  // A session that stopped holding between the database's clock check and ours has no count: the page counts itself.
  const menu = row.unread_tickets === null ? null : { practice, unreadTickets: Number(row.unread_tickets) };
  return { session, actor, menu };
}

type SignedInArgs = { withMenu: boolean; now: Date; idleCutoff: Date; sessionId: string };

/** loadSignedInRequest's statement; its text is decided by withMenu alone (src/db/shaped-query.ts). */
const signedInStatement = shapedStatement({
  key: ({ withMenu }: SignedInArgs) => String(withMenu),
  placeholders: ({ withMenu }, placeholder): SignedInArgs => ({ withMenu, now: placeholder('now'), idleCutoff: placeholder('idleCutoff'), sessionId: placeholder('sessionId') }),
  values: ({ now, idleCutoff, sessionId }) => ({ now, idleCutoff, sessionId }),
  build: (db, { withMenu, now, idleCutoff, sessionId }) => {
    const holds = sql`(u.active and s.expires_at > ${now} and s.last_active_at > ${idleCutoff})`;
    const menuCount = withMenu
      ? sql`case when not ${holds} then null
          when u.kind = 'staff' then case when u.limit_messaging then 0 else ${countUnreadTicketsOfStaffRowSql('u')} end
          else ${countQueueUnreadOfVendorRowSql('u')} end`
      : sql`null`;
    const statement = sql<SignedInRow>`
      select s.id as session_id, s.created_at as session_created_at, s.last_active_at as session_last_active_at, s.expires_at as session_expires_at,
        u.id, u.kind, u.practice_id, u.role, u.name, u.email, u.limit_messaging, u.reporting, u.active, u.vendor_admin,
        to_json(v.departments) as departments, to_json(v.managed) as managed,
        p.name as practice_name, p.phone as practice_phone, p.time_zone as practice_time_zone,
        ${menuCount} as unread_tickets
      from sessions s
      -- The user by primary key, one probe. As a plain join the planner took a merge join over users
      -- in id order, reading every user up to this one (2.9 ms and 5,020 buffers for a vendor user, whose
      -- ids come last, on the 5,000-user bench; 0.05 ms as a probe); the limit keeps the subquery a
      -- parameterised index probe. Its columns are named: with a star for them the statement would
      -- run unnamed, parsed and planned on every request (preparedStatementName, src/db/database.ts).
      cross join lateral (
        select users.id, users.kind, users.practice_id, users.role, users.name, users.email, users.limit_messaging,
               users.reporting, users.active, users.vendor_admin
          from users where users.id = s.user_id limit 1) u
      cross join lateral (
        select
          case when u.kind = 'vendor' then array(select d.department from vendor_departments d where d.user_id = u.id) else '{}'::text[] end as departments,
          case when u.kind = 'vendor' then array(select m.id from practices m where m.account_manager_id = u.id) else '{}'::bigint[] end as managed
      ) v
      left join practices p on p.id = u.practice_id and u.kind = 'staff'
      where s.id = ${sessionId}`;
    return { compile: () => statement.compile(db) };
  },
});

type SignedInRow = Pick<Actor, 'id' | 'kind' | 'practice_id' | 'role' | 'name' | 'email' | 'limit_messaging' | 'reporting' | 'active' | 'vendor_admin'> & {
  session_id: string;
  session_created_at: Date;
  session_last_active_at: Date;
  session_expires_at: Date;
  departments: Actor['departments'];
  managed: number[];
  practice_name: string | null;
  practice_phone: string | null;
  practice_time_zone: string | null;
  unread_tickets: number | string | null;
};

/** The menu without the request's statement (a POST that renders a page, or after menuCountsChanged). */
async function loadMenu(db: Database, actor: Actor): Promise<MenuContext> {
  const practice = await actorPractice(db, actor);
  const unreadTickets =
    actor.kind === 'staff' ? await countUnreadTickets(db, actor) : await countQueueUnread(db, actor);
  return { practice, unreadTickets };
}
