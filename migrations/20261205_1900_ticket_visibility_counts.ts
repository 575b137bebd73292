import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Get Help's filter counts (Needs our reply, Waiting, Closed, All; and the Dashboard's Needs your
// reply) from counters, as the console's queue counts are (20261203_1500): a count read every thread
// the user may see on every page (900 index entries on the bench, and ten times that for a practice
// with ten times the threads). ticket_visibility_counts holds the threads per practice, status and
// the columns the visibility rule reads (src/auth/permissions.ts, ticketVisibleTo), so a count
// applies that same rule to a few counter rows (11 for the bench's measured practice) instead of to
// the threads.
// - The thread triggers append these columns to each delta too, and count a change of Visible To
//   or admin level as well as of practice, department and status.
// - foldTicketCounts (src/tickets/counts.ts) moves the deltas into these counters with the others.
// - Deltas appended before this migration have no visibility columns: with the threads locked and the
//   fold's lock taken (src/tickets/counts.ts, FOLD_LOCK_KEY), every counter is counted afresh from the
//   threads and those deltas are dropped, so every delta from here on carries all its columns.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
-- No thread changes and no fold between the counts below and the new triggers.
lock table tickets in share row exclusive mode;
select pg_advisory_xact_lock(6002002);

delete from ticket_count_deltas;
delete from ticket_counts;
delete from ticket_count_totals;
insert into ticket_counts (practice_id, department, status, n)
  select practice_id, department, status, count(*) from tickets group by 1, 2, 3;
insert into ticket_count_totals (department, status, n)
  select department, status, count(*) from tickets group by 1, 2;

alter table ticket_count_deltas
  add column admin_level boolean not null,
  add column visibility text not null,
  add column created_by_user_id bigint not null,
  add column visible_user_id bigint;

create table ticket_visibility_counts (
  practice_id bigint not null,
  status text not null,
  admin_level boolean not null,
  visibility text not null,
  created_by_user_id bigint not null,
  visible_user_id bigint,
  n integer not null,
  constraint ticket_visibility_counts_key unique nulls not distinct (practice_id, status, admin_level, visibility, created_by_user_id, visible_user_id)
);

create or replace function tickets_counted_insert() returns trigger language plpgsql as $$
begin
  insert into ticket_count_deltas (practice_id, department, status, admin_level, visibility, created_by_user_id, visible_user_id, n)
    select practice_id, department, status, admin_level, visibility, created_by_user_id, visible_user_id, count(*)
      from new_rows group by 1, 2, 3, 4, 5, 6, 7;
  return null;
end
$$;
create or replace function tickets_counted_delete() returns trigger language plpgsql as $$
begin
  insert into ticket_count_deltas (practice_id, department, status, admin_level, visibility, created_by_user_id, visible_user_id, n)
    select practice_id, department, status, admin_level, visibility, created_by_user_id, visible_user_id, -count(*)
      from old_rows group by 1, 2, 3, 4, 5, 6, 7;
  return null;
end
$$;
-- Only rows whose counted columns changed (a reply that flips the status, a move, a close, a new
-- Visible To) produce deltas.
create or replace function tickets_counted_update() returns trigger language plpgsql as $$
begin
  insert into ticket_count_deltas (practice_id, department, status, admin_level, visibility, created_by_user_id, visible_user_id, n)
    select practice_id, department, status, admin_level, visibility, created_by_user_id, visible_user_id, sum(delta)
      from (select n.practice_id, n.department, n.status, n.admin_level, n.visibility, n.created_by_user_id, n.visible_user_id, 1 as delta
              from new_rows n join old_rows o on o.id = n.id
             where (n.practice_id, n.department, n.status, n.admin_level, n.visibility, n.created_by_user_id, n.visible_user_id)
                   is distinct from (o.practice_id, o.department, o.status, o.admin_level, o.visibility, o.created_by_user_id, o.visible_user_id)
            union all
            select o.practice_id, o.department, o.status, o.admin_level, o.visibility, o.created_by_user_id, o.visible_user_id, -1
              from new_rows n join old_rows o on o.id = n.id
             where (n.practice_id, n.department, n.status, n.admin_level, n.visibility, n.created_by_user_id, n.visible_user_id)
                   is distinct from (o.practice_id, o.department, o.status, o.admin_level, o.visibility, o.created_by_user_id, o.visible_user_id)) x
     group by 1, 2, 3, 4, 5, 6, 7 having sum(delta) <> 0;
  return null;
end
$$;

insert into ticket_visibility_counts (practice_id, status, admin_level, visibility, created_by_user_id, visible_user_id, n)
  select practice_id, status, admin_level, visibility, created_by_user_id, visible_user_id, count(*) from tickets group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6;
`);
}
