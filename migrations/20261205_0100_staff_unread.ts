import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The Get Help menu badge (docs/rules.md, Visibility): each practice user's unread threads, kept
// as a set instead of counted on every page. Counting read every thread of the practice the user may
// see and joined their reads: 0.7 of the 1.0 ms the signed-in request's statement took on the bench
// (1,000 threads a practice), on every page a staff member opens, and growing with the practice.
// A pair (user, thread) is in staff_unread when the user is an active staff member without Limit
// Messaging Access, the thread is of their practice and visible to them, and someone else wrote
// publicly since they last read it.
//
// The visibility test below (staff_may_see) is the staff half of ticketVisibleTo in
// src/auth/permissions.ts, the rule's home, written again for the triggers (the role numbers are
// its constants: 2 clinician, 3 therapy director, 4 practice admin, 5 business owner). The two must
// say the same: test/tickets/staff-unread.test.ts and test/web/request-context.test.ts compare the
// set with the rule for every role, Visible To and admin level, through every kind of change.
//
// Kept by triggers, like vendor_unread (migration 20261203_1800), each recomputing the pairs of what
// it changed from the tables themselves:
// - threads (insert; update of practice, admin level, Visible To, the named person, the creator, the
//   last public message or its author; delete): the threads' pairs for the practice's users;
// - reads by staff (insert, update, delete): those pairs, after a share lock on the threads, so a
//   read and a new message on the same thread are applied one after the other;
// - a staff user's scope (insert; update of kind, practice, role, active, Limit Messaging Access;
//   delete): all their pairs, under the exclusive advisory lock vendor_unread's scope changes take
//   (6002003), which thread and read triggers take shared, so none is missed meanwhile.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table staff_unread (
  user_id bigint not null,
  ticket_id bigint not null,
  practice_id bigint not null,
  primary key (user_id, ticket_id)
);
create index staff_unread_ticket_idx on staff_unread (ticket_id);

-- May this staff user (u) see this thread (t)? The staff half of src/auth/permissions.ts's rule.
create function staff_may_see(u users, t tickets) returns boolean
language sql immutable as $$
  select u.kind = 'staff' and u.active and not u.limit_messaging
     and t.practice_id = u.practice_id
     and (coalesce(u.role, 0) >= 4 or not t.admin_level)
     and (t.visibility = 'anyone'
       or (t.visibility = 'owners' and coalesce(u.role, 0) = 5)
       or (t.visibility = 'clinical' and coalesce(u.role, 0) in (2, 3))
       or (t.visibility = 'admins' and coalesce(u.role, 0) >= 4)
       or (t.visibility in ('only_me', 'owners', 'clinical', 'admins') and t.created_by_user_id = u.id)
       or (t.visibility = 'person' and t.visible_user_id = u.id))
$$;

-- The rule, for some threads (their practices' users) or for one user (their practice's threads).
create function staff_unread_of_tickets(ids bigint[]) returns table (user_id bigint, ticket_id bigint, practice_id bigint)
language sql stable as $$
  select u.id, t.id, t.practice_id
    from tickets t
    join users u on u.practice_id = t.practice_id and u.kind = 'staff'
    left join ticket_reads r on r.user_id = u.id and r.ticket_id = t.id
   where t.id = any(ids)
     and staff_may_see(u, t)
     and t.last_public_author_id is distinct from u.id
     and coalesce(r.last_read_at, '-infinity'::timestamptz) < t.last_public_message_at
$$;

create function staff_unread_of_user(uid bigint) returns table (user_id bigint, ticket_id bigint, practice_id bigint)
language sql stable as $$
  select u.id, t.id, t.practice_id
    from users u
    join tickets t on t.practice_id = u.practice_id
    left join ticket_reads r on r.user_id = u.id and r.ticket_id = t.id
   where u.id = uid
     and staff_may_see(u, t)
     and t.last_public_author_id is distinct from u.id
     and coalesce(r.last_read_at, '-infinity'::timestamptz) < t.last_public_message_at
$$;

-- Planned once per connection: with custom plans (PostgreSQL's choice for an array parameter) the
-- inlined rule was planned again on every change to a thread, ~0.5 ms of each reply's 1 ms here;
-- every read in it is by key, whatever the number of threads. vendor_unread's twin is set the same way
-- at the end.
create function staff_unread_refresh_tickets(ids bigint[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
begin
  if cardinality(ids) = 0 then return; end if;
  perform pg_advisory_xact_lock_shared(6002003);
  delete from staff_unread where ticket_id = any(ids);
  insert into staff_unread (user_id, ticket_id, practice_id)
    select f.user_id, f.ticket_id, f.practice_id from staff_unread_of_tickets(ids) f on conflict do nothing;
end
$$;

create function staff_unread_refresh_users(uids bigint[]) returns void language plpgsql as $$
declare uid bigint;
begin
  if cardinality(uids) = 0 then return; end if;
  perform pg_advisory_xact_lock(6002003);
  foreach uid in array (select array_agg(distinct x order by x) from unnest(uids) x) loop
    delete from staff_unread where user_id = uid;
    insert into staff_unread (user_id, ticket_id, practice_id)
      select f.user_id, f.ticket_id, f.practice_id from staff_unread_of_user(uid) f on conflict do nothing;
  end loop;
end
$$;

-- Threads.
create function staff_unread_tickets_inserted() returns trigger language plpgsql as $$
begin
  perform staff_unread_refresh_tickets(array(select id from new_rows));
  return null;
end
$$;
create function staff_unread_tickets_updated() returns trigger language plpgsql as $$
begin
  perform staff_unread_refresh_tickets(array(
    select n.id from new_rows n join old_rows o on o.id = n.id
     where (n.practice_id, n.admin_level, n.visibility, n.visible_user_id, n.created_by_user_id, n.last_public_message_at, n.last_public_author_id)
           is distinct from (o.practice_id, o.admin_level, o.visibility, o.visible_user_id, o.created_by_user_id, o.last_public_message_at, o.last_public_author_id)));
  return null;
end
$$;
create function staff_unread_tickets_deleted() returns trigger language plpgsql as $$
begin
  delete from staff_unread where ticket_id in (select id from old_rows);
  return null;
end
$$;
create trigger staff_unread_tickets_inserted after insert on tickets
  referencing new table as new_rows for each statement execute function staff_unread_tickets_inserted();
create trigger staff_unread_tickets_updated after update on tickets
  referencing old table as old_rows new table as new_rows for each statement execute function staff_unread_tickets_updated();
create trigger staff_unread_tickets_deleted after delete on tickets
  referencing old table as old_rows for each statement execute function staff_unread_tickets_deleted();

-- Reads by staff.
create function staff_unread_reads_changed() returns trigger language plpgsql as $$
declare ids bigint[];
begin
  select array_agg(distinct c.ticket_id) into ids
    from changed_rows c join users u on u.id = c.user_id and u.kind = 'staff';
  if ids is null then return null; end if;
  perform pg_advisory_xact_lock_shared(6002003);
  -- Wait for a change to these threads in flight; the statements below then see it.
  perform 1 from tickets where id = any(ids) order by id for share;
  delete from staff_unread s using changed_rows c where s.user_id = c.user_id and s.ticket_id = c.ticket_id;
  -- Pair by pair, as vendor_unread's read trigger does (an array of ids beside the pairs made the
  -- planner repeat the array test in every probe).
  insert into staff_unread (user_id, ticket_id, practice_id)
    select u.id, t.id, t.practice_id
      from (select distinct c.user_id, c.ticket_id from changed_rows c) p
      join users u on u.id = p.user_id
      join tickets t on t.id = p.ticket_id
      left join ticket_reads r on r.user_id = u.id and r.ticket_id = t.id
     where staff_may_see(u, t)
       and t.last_public_author_id is distinct from u.id
       and coalesce(r.last_read_at, '-infinity'::timestamptz) < t.last_public_message_at
    on conflict do nothing;
  return null;
end
$$;
create trigger staff_unread_reads_inserted after insert on ticket_reads
  referencing new table as changed_rows for each statement execute function staff_unread_reads_changed();
create trigger staff_unread_reads_updated after update on ticket_reads
  referencing new table as changed_rows for each statement execute function staff_unread_reads_changed();
create trigger staff_unread_reads_deleted after delete on ticket_reads
  referencing old table as changed_rows for each statement execute function staff_unread_reads_changed();

-- A staff user's scope.
create function staff_unread_users_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    delete from staff_unread where user_id = old.id;
    return null;
  end if;
  if (new.kind = 'staff' or (tg_op = 'UPDATE' and old.kind = 'staff'))
     and (tg_op = 'INSERT'
          or (new.kind, new.practice_id, new.role, new.active, new.limit_messaging)
             is distinct from (old.kind, old.practice_id, old.role, old.active, old.limit_messaging)) then
    perform staff_unread_refresh_users(array[new.id]);
  end if;
  return null;
end
$$;
create trigger staff_unread_users_changed after insert or update or delete on users
  for each row execute function staff_unread_users_changed();

insert into staff_unread (user_id, ticket_id, practice_id)
  select f.user_id, f.ticket_id, f.practice_id from users u cross join lateral staff_unread_of_user(u.id) f where u.kind = 'staff';

alter function vendor_unread_refresh_tickets(bigint[]) set plan_cache_mode = force_generic_plan;
`);
}
