import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The console menu's badge (docs/rules.md, Console queues): each vendor user's unread threads, kept
// as a set instead of counted by reading threads until 1,001 unread turned up. That read grew with
// what the user had read: 128 ms per page for a member who had read 99 % of a 273,000-thread queue.
// A pair (user, thread) is in vendor_unread when the thread is open, in one of the three queue
// departments, one the user may work (vendor admin; member of its department; account manager of its
// practice), and someone else wrote publicly since the user last read it: countQueueUnread's rule.
//
// Kept by triggers, each recomputing the pairs of what it changed from the tables themselves:
// - threads (insert; update of status, department, practice, last public message or its author;
//   delete): the threads' pairs for every vendor user;
// - reads by vendor users: that user's pair, after a share lock on the thread, so a read and a new
//   message on the same thread are applied one after the other, the later seeing the earlier;
// - a vendor user's scope (active, kind, vendor admin, departments, practices managed): all their
//   pairs, under an exclusive advisory lock that thread and read triggers take shared, so a scope
//   change waits for the thread changes in flight and sees them, and none starts meanwhile.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table vendor_unread (
  user_id bigint not null,
  ticket_id bigint not null,
  primary key (user_id, ticket_id)
);
create index vendor_unread_ticket_idx on vendor_unread (ticket_id);

-- The rule, for some threads (every vendor user) or for one user (every thread).
create function vendor_unread_of_tickets(ids bigint[]) returns table (user_id bigint, ticket_id bigint)
language sql stable as $$
  select u.id, t.id
    from tickets t
    join users u on u.kind = 'vendor' and u.active
    left join ticket_reads r on r.user_id = u.id and r.ticket_id = t.id
   where t.id = any(ids)
     and t.status <> 'closed'
     and t.department in ('billing', 'success', 'technical')
     and (u.vendor_admin
          or exists (select 1 from vendor_departments d where d.user_id = u.id and d.department = t.department)
          or exists (select 1 from practices m where m.id = t.practice_id and m.account_manager_id = u.id))
     and t.last_public_author_id is distinct from u.id
     and coalesce(r.last_read_at, '-infinity'::timestamptz) < t.last_public_message_at
$$;

create function vendor_unread_of_user(uid bigint) returns table (user_id bigint, ticket_id bigint)
language sql stable as $$
  select u.id, t.id
    from users u
    join tickets t on t.status <> 'closed'
     and t.department in ('billing', 'success', 'technical')
     -- Subqueries on the parameter, not on u.id: each is then read once and hashed, not probed
     -- again for each of a million threads (two minutes on the bench).
     and (u.vendor_admin
          or t.department in (select d.department from vendor_departments d where d.user_id = uid)
          or t.practice_id in (select m.id from practices m where m.account_manager_id = uid))
    left join ticket_reads r on r.user_id = u.id and r.ticket_id = t.id
   where u.id = uid and u.kind = 'vendor' and u.active
     and t.last_public_author_id is distinct from u.id
     and coalesce(r.last_read_at, '-infinity'::timestamptz) < t.last_public_message_at
$$;

create function vendor_unread_refresh_tickets(ids bigint[]) returns void language plpgsql as $$
begin
  if cardinality(ids) = 0 then return; end if;
  perform pg_advisory_xact_lock_shared(6002003);
  delete from vendor_unread where ticket_id = any(ids);
  insert into vendor_unread (user_id, ticket_id)
    select f.user_id, f.ticket_id from vendor_unread_of_tickets(ids) f on conflict do nothing;
end
$$;

create function vendor_unread_refresh_users(uids bigint[]) returns void language plpgsql as $$
declare uid bigint;
begin
  if cardinality(uids) = 0 then return; end if;
  perform pg_advisory_xact_lock(6002003);
  foreach uid in array (select array_agg(distinct x order by x) from unnest(uids) x) loop
    delete from vendor_unread where user_id = uid;
    insert into vendor_unread (user_id, ticket_id)
      select f.user_id, f.ticket_id from vendor_unread_of_user(uid) f on conflict do nothing;
  end loop;
end
$$;

-- Threads.
create function vendor_unread_tickets_inserted() returns trigger language plpgsql as $$
begin
  perform vendor_unread_refresh_tickets(array(
    select id from new_rows where status <> 'closed' and department in ('billing', 'success', 'technical')));
  return null;
end
$$;
create function vendor_unread_tickets_updated() returns trigger language plpgsql as $$
begin
  perform vendor_unread_refresh_tickets(array(
    select n.id from new_rows n join old_rows o on o.id = n.id
     where (n.status, n.department, n.practice_id, n.last_public_message_at, n.last_public_author_id)
           is distinct from (o.status, o.department, o.practice_id, o.last_public_message_at, o.last_public_author_id)));
  return null;
end
$$;
create function vendor_unread_tickets_deleted() returns trigger language plpgsql as $$
begin
  delete from vendor_unread where ticket_id in (select id from old_rows);
  return null;
end
$$;
create trigger vendor_unread_tickets_inserted after insert on tickets
  referencing new table as new_rows for each statement execute function vendor_unread_tickets_inserted();
create trigger vendor_unread_tickets_updated after update on tickets
  referencing old table as old_rows new table as new_rows for each statement execute function vendor_unread_tickets_updated();
create trigger vendor_unread_tickets_deleted after delete on tickets
  referencing old table as old_rows for each statement execute function vendor_unread_tickets_deleted();

-- Reads by vendor users.
create function vendor_unread_reads_changed() returns trigger language plpgsql as $$
declare ids bigint[];
begin
  select array_agg(distinct n.ticket_id) into ids
    from new_rows n join users u on u.id = n.user_id and u.kind = 'vendor';
  if ids is null then return null; end if;
  perform pg_advisory_xact_lock_shared(6002003);
  -- Wait for a change to these threads in flight; the statements below then see it.
  perform 1 from tickets where id = any(ids) order by id for share;
  delete from vendor_unread v using new_rows n where v.user_id = n.user_id and v.ticket_id = n.ticket_id;
  -- The rule of vendor_unread_of_tickets for these pairs only, joined pair by pair: given the
  -- thread ids as an array beside the pairs, the planner repeated the array test in every probe of
  -- the threads' key, quadratic in the number of reads (4.6 s for 12,600 reads in one statement).
  insert into vendor_unread (user_id, ticket_id)
    select u.id, t.id
      from (select distinct n.user_id, n.ticket_id from new_rows n) p
      join users u on u.id = p.user_id and u.kind = 'vendor' and u.active
      join tickets t on t.id = p.ticket_id
      left join ticket_reads r on r.user_id = u.id and r.ticket_id = t.id
     where t.status <> 'closed'
       and t.department in ('billing', 'success', 'technical')
       and (u.vendor_admin
            or exists (select 1 from vendor_departments d where d.user_id = u.id and d.department = t.department)
            or exists (select 1 from practices m where m.id = t.practice_id and m.account_manager_id = u.id))
       and t.last_public_author_id is distinct from u.id
       and coalesce(r.last_read_at, '-infinity'::timestamptz) < t.last_public_message_at
    on conflict do nothing;
  return null;
end
$$;
create trigger vendor_unread_reads_inserted after insert on ticket_reads
  referencing new table as new_rows for each statement execute function vendor_unread_reads_changed();
create trigger vendor_unread_reads_updated after update on ticket_reads
  referencing new table as new_rows for each statement execute function vendor_unread_reads_changed();

-- A vendor user's scope.
create function vendor_unread_users_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    delete from vendor_unread where user_id = old.id;
    return null;
  end if;
  if tg_op = 'INSERT' or (new.active, new.kind, new.vendor_admin) is distinct from (old.active, old.kind, old.vendor_admin) then
    if new.kind = 'vendor' or (tg_op = 'UPDATE' and old.kind = 'vendor') then
      perform vendor_unread_refresh_users(array[new.id]);
    end if;
  end if;
  return null;
end
$$;
create trigger vendor_unread_users_changed after insert or update or delete on users
  for each row execute function vendor_unread_users_changed();

create function vendor_unread_departments_changed() returns trigger language plpgsql as $$
begin
  perform vendor_unread_refresh_users(array(select user_id from changed_rows));
  return null;
end
$$;
create trigger vendor_unread_departments_inserted after insert on vendor_departments
  referencing new table as changed_rows for each statement execute function vendor_unread_departments_changed();
create trigger vendor_unread_departments_deleted after delete on vendor_departments
  referencing old table as changed_rows for each statement execute function vendor_unread_departments_changed();

create function vendor_unread_managers_changed() returns trigger language plpgsql as $$
begin
  if new.account_manager_id is distinct from old.account_manager_id then
    perform vendor_unread_refresh_users(array_remove(array[old.account_manager_id, new.account_manager_id], null));
  end if;
  return null;
end
$$;
create trigger vendor_unread_managers_changed after update of account_manager_id on practices
  for each row execute function vendor_unread_managers_changed();

insert into vendor_unread (user_id, ticket_id)
  select f.user_id, f.ticket_id from users u cross join lateral vendor_unread_of_user(u.id) f where u.kind = 'vendor';
`);
}
