import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Database } from '../db/database.ts';
import { visibleTickets, type Actor } from '../auth/permissions.ts';
import { escapeLike } from '../db/like.ts';
import { LIST_TICKET_COLUMNS, ticketListColumns, type TicketRow } from './list.ts';

// Subject search over the threads this user can see: a substring, or a word with a small typo
// ("authorisation" finds "authorization"), both through the trigram index on lower(subject).

export const SEARCH_PAGE_SIZE = 25;
/** How many of the newest visible threads the first page looks through before searching them all. */
const RECENT_WINDOW = 1000;

/**
 * Matches newest activity first, like the Get Help list. The first page looks among the newest
 * threads first: a common word fills it there at once. Otherwise (a rare word, or a later page) the
 * practice's trigram index finds every match; ordering by an expression keeps the planner from
 * walking the whole activity index and testing each thread, which is slow when few or none match.
 */
export async function searchTickets(
  db: Database,
  actor: Actor,
  q: string,
  options: { page?: number; pageSize?: number } = {},
): Promise<{ rows: TicketRow[]; hasMore: boolean }> {
  const term = normaliseQuery(q);
  if (!term) return { rows: [], hasMore: false };
  const pageSize = options.pageSize ?? SEARCH_PAGE_SIZE;
  const page = options.page ?? 1;
  if (page === 1 && pageSize < RECENT_WINDOW) {
    // A derived table with LIMIT: the planner cannot push the subject test into it, so at most
    // RECENT_WINDOW threads are tested.
    const recent = recentVisibleTickets(db, actor);
    const rows = await ticketListColumns(recent, actor)
      .where(subjectMatches(term))
      .orderBy('tickets.last_public_message_at', 'desc')
      .orderBy('tickets.id', 'desc')
      .limit(pageSize + 1)
      .execute();
    if (rows.length > pageSize) return { rows: rows.slice(0, pageSize) as TicketRow[], hasMore: true };
  }
  const rows = await ticketListColumns(visibleTickets(db, actor), actor)
    .where(subjectMatches(term))
    .orderBy(sql`tickets.last_public_message_at + interval '0 seconds'`, 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(pageSize + 1)
    .offset((page - 1) * pageSize)
    .execute();
  return { rows: rows.slice(0, pageSize) as TicketRow[], hasMore: rows.length > pageSize };
}

/** A substring of the subject, or a word of it within a small typo (word similarity ≥ 0.6). */
function subjectMatches(term: string) {
  const subject = sql<string>`lower(tickets.subject)`;
  return (eb: ExpressionBuilder<DB, 'tickets'>) =>
    eb.or([eb(subject, 'like', `%${escapeLike(term)}%`), eb(sql<boolean>`${term} <% ${subject}`, '=', true)]);
}

/**
 * "Already asked?": up to five visible threads whose subject resembles what is being typed, most
 * similar first. The newest threads are looked through first (ranking every match of a common word
 * in a large practice is slow); only when fewer than `limit` resemble it there is the whole history searched.
 */
export async function findSimilarTickets(db: Database, actor: Actor, subjectTyped: string, limit = 5) {
  const term = normaliseQuery(subjectTyped);
  if (term.length < 3) return [];
  const subject = sql<string>`lower(tickets.subject)`;
  const recent = recentVisibleTickets(db, actor);
  for (const source of [recent, visibleTickets(db, actor)]) {
    const rows = await source
      .select(['tickets.id', 'tickets.subject', 'tickets.status', 'tickets.last_public_message_at'])
      .where(subjectMatches(term))
      .orderBy(sql`word_similarity(${term}, ${subject})`, 'desc')
      .orderBy('tickets.id', 'desc')
      .limit(limit)
      .execute();
    if (rows.length >= limit || source !== recent) return rows;
  }
  return [];
}

function normaliseQuery(q: string): string {
  return q.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 200);
}

/**
 * The newest RECENT_WINDOW visible threads, as a tickets-shaped subquery the search conditions apply
 * to: the columns the list, the match and findSimilarTickets read (named, so the statement is kept
 * prepared: with `tickets.*` it was planned on every search, 1.3 ms; src/db/database.ts).
 */
function recentVisibleTickets(db: Database, actor: Actor) {
  return db.selectFrom(
    visibleTickets(db, actor)
      // The list's columns, and what its joins and unread mark read.
      .select([...LIST_TICKET_COLUMNS, 'tickets.practice_id', 'tickets.last_public_author_id'])
      .orderBy('tickets.last_public_message_at', 'desc')
      .orderBy('tickets.id', 'desc')
      .limit(RECENT_WINDOW)
      .as('tickets'),
  ) as unknown as SelectQueryBuilder<DB, 'tickets', object>;
}
