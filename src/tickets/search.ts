import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { visibleTickets, type Actor } from '../auth/permissions.ts';
import { escapeLike } from '../patients/search.ts';
import { ticketListColumns, type TicketRow } from './tickets.ts';

// Subject search over the threads this user can see: a substring, or a word with a small typo
// ("authorisation" finds "authorization"), both through the trigram index on lower(subject).

export const SEARCH_PAGE_SIZE = 25;

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
  const subject = sql<string>`lower(tickets.subject)`;
  const rows = await ticketListColumns(visibleTickets(db, actor), actor)
    .where((eb) => eb.or([eb(subject, 'like', `%${escapeLike(term)}%`), eb(sql<boolean>`${term} <% ${subject}`, '=', true)]))
    .orderBy(sql`(${subject} like ${'%' + escapeLike(term) + '%'})`, 'desc')
    .orderBy(sql`word_similarity(${term}, ${subject})`, 'desc')
    .orderBy('tickets.last_public_message_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(pageSize + 1)
    .offset((page - 1) * pageSize)
    .execute();
  return { rows: rows.slice(0, pageSize) as TicketRow[], hasMore: rows.length > pageSize };
}

/** "Already asked?": up to five visible threads whose subject resembles what is being typed. */
export async function findSimilarTickets(db: Database, actor: Actor, subjectTyped: string, limit = 5) {
  const term = normaliseQuery(subjectTyped);
  if (term.length < 3) return [];
  const subject = sql<string>`lower(tickets.subject)`;
  return visibleTickets(db, actor)
    .select(['tickets.id', 'tickets.subject', 'tickets.status', 'tickets.last_public_message_at'])
    .where((eb) =>
      eb.or([
        eb(subject, 'like', `%${escapeLike(term)}%`),
        eb(sql<boolean>`${term} <% ${subject}`, '=', true),
        eb(sql<boolean>`${subject} % ${term}`, '=', true),
      ]),
    )
    .orderBy(sql`greatest(word_similarity(${term}, ${subject}), similarity(${subject}, ${term}))`, 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(limit)
    .execute();
}

function normaliseQuery(q: string): string {
  return q.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 200);
}
