import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Thread counts by department and status for the console's queue counts (countQueue in
// src/tickets/queues.ts; docs/rules.md, Console queues), kept without any transaction waiting on
// another:
// - a change to threads only appends to ticket_count_deltas (statement-level triggers, one row per
//   practice, department and status the statement changed). Appending takes no lock another
//   transaction can hold, so counting can never deadlock or queue writers behind each other;
// - one scheduled writer at a time (foldTicketCounts, src/tickets/counts.ts) moves the committed
//   deltas into ticket_counts (per practice) and ticket_count_totals (per department);
// - a count reads the counters plus the deltas not folded yet, so it is exact in every snapshot.
//
// An earlier design (reverted) updated the counter rows from the triggers themselves: two
// transactions that changed several threads could each hold a counter row the other needed, and
// PostgreSQL aborted one with a deadlock. Its objects are dropped here if a database still has them.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
drop trigger if exists tickets_counted_insert on tickets;
drop trigger if exists tickets_counted_update on tickets;
drop trigger if exists tickets_counted_delete on tickets;
drop function if exists tickets_counted_insert();
drop function if exists tickets_counted_update();
drop function if exists tickets_counted_delete();
drop function if exists ticket_counts_add(bigint[], text[], text[], integer[]);
drop table if exists ticket_counts;
drop table if exists ticket_count_totals;

create table ticket_counts (
  practice_id bigint not null,
  department text not null,
  status text not null,
  n integer not null,
  primary key (practice_id, department, status)
);
create table ticket_count_totals (
  department text not null,
  status text not null,
  n integer not null,
  primary key (department, status)
);
-- Append-only between folds; no key, no index: it holds the few rows written since the last fold.
create table ticket_count_deltas (
  practice_id bigint not null,
  department text not null,
  status text not null,
  n integer not null
);

create function tickets_counted_insert() returns trigger language plpgsql as $$
begin
  insert into ticket_count_deltas (practice_id, department, status, n)
    select practice_id, department, status, count(*) from new_rows group by 1, 2, 3;
  return null;
end
$$;
create function tickets_counted_delete() returns trigger language plpgsql as $$
begin
  insert into ticket_count_deltas (practice_id, department, status, n)
    select practice_id, department, status, -count(*) from old_rows group by 1, 2, 3;
  return null;
end
$$;
-- Every update statement on tickets runs this; only rows whose practice, department or status
-- changed (a reply that flips the status, a move, a close) produce deltas.
create function tickets_counted_update() returns trigger language plpgsql as $$
begin
  insert into ticket_count_deltas (practice_id, department, status, n)
    select practice_id, department, status, sum(delta)
      from (select n.practice_id, n.department, n.status, 1 as delta
              from new_rows n join old_rows o on o.id = n.id
             where (n.practice_id, n.department, n.status) is distinct from (o.practice_id, o.department, o.status)
            union all
            select o.practice_id, o.department, o.status, -1
              from new_rows n join old_rows o on o.id = n.id
             where (n.practice_id, n.department, n.status) is distinct from (o.practice_id, o.department, o.status)) x
     group by 1, 2, 3 having sum(delta) <> 0;
  return null;
end
$$;

create trigger tickets_counted_insert after insert on tickets
  referencing new table as new_rows for each statement execute function tickets_counted_insert();
create trigger tickets_counted_update after update on tickets
  referencing old table as old_rows new table as new_rows for each statement execute function tickets_counted_update();
create trigger tickets_counted_delete after delete on tickets
  referencing old table as old_rows for each statement execute function tickets_counted_delete();

insert into ticket_counts (practice_id, department, status, n)
  select practice_id, department, status, count(*) from tickets group by 1, 2, 3;
insert into ticket_count_totals (department, status, n)
  select department, status, count(*) from tickets group by 1, 2;
`);
}
