import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Thread counts by department and status, kept in the same transaction as each change to a thread,
// for the console's queue counts (countQueue in src/tickets/queues.ts; docs/rules.md, Console queues):
// - ticket_counts: per practice, for the practice filter and an account manager's practices;
// - ticket_count_totals: per department in 16 shards by practice, for a department as a whole. With
//   one row per department and status every thread change in the department would wait for the one
//   before it to commit; a shard is shared by a sixteenth of the practices.
// Statement-level triggers fold a statement's rows into one delta per counter row and apply them in
// key order, so two statements never take the same counter rows in opposite orders.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table ticket_counts (
  practice_id bigint not null references practices(id),
  department text not null,
  status text not null,
  n integer not null,
  primary key (practice_id, department, status)
);
create table ticket_count_totals (
  department text not null,
  status text not null,
  shard smallint not null,
  n integer not null,
  primary key (department, status, shard)
);

create function ticket_counts_add(practice_ids bigint[], departments text[], statuses text[], deltas integer[]) returns void language sql as $$
  insert into ticket_counts as c (practice_id, department, status, n)
    select practice_id, department, status, sum(delta)
      from unnest(practice_ids, departments, statuses, deltas) as x(practice_id, department, status, delta)
     group by 1, 2, 3 having sum(delta) <> 0 order by 1, 2, 3
  on conflict (practice_id, department, status) do update set n = c.n + excluded.n;
  insert into ticket_count_totals as c (department, status, shard, n)
    select department, status, (practice_id % 16)::smallint, sum(delta)
      from unnest(practice_ids, departments, statuses, deltas) as x(practice_id, department, status, delta)
     group by 1, 2, 3 having sum(delta) <> 0 order by 1, 2, 3
  on conflict (department, status, shard) do update set n = c.n + excluded.n;
$$;

create function tickets_counted_insert() returns trigger language plpgsql as $$
begin
  perform ticket_counts_add(array_agg(practice_id), array_agg(department), array_agg(status), array_agg(1)) from new_rows;
  return null;
end
$$;
create function tickets_counted_delete() returns trigger language plpgsql as $$
begin
  perform ticket_counts_add(array_agg(practice_id), array_agg(department), array_agg(status), array_agg(-1)) from old_rows;
  return null;
end
$$;
-- Every update statement on tickets runs this; only rows whose practice, department or status
-- changed (a reply that flips the status, a move, a close) produce deltas.
create function tickets_counted_update() returns trigger language plpgsql as $$
begin
  perform ticket_counts_add(array_agg(x.practice_id), array_agg(x.department), array_agg(x.status), array_agg(x.delta))
    from (select n.practice_id, n.department, n.status, 1 as delta, o.practice_id as was_practice, o.department as was_department, o.status as was_status
            from new_rows n join old_rows o on o.id = n.id
          union all
          select o.practice_id, o.department, o.status, -1, n.practice_id, n.department, n.status
            from new_rows n join old_rows o on o.id = n.id) x
   where (x.practice_id, x.department, x.status) is distinct from (x.was_practice, x.was_department, x.was_status);
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
insert into ticket_count_totals (department, status, shard, n)
  select department, status, (practice_id % 16)::smallint, count(*) from tickets group by 1, 2, 3;
`);
}
