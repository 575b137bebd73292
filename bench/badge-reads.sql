-- The vendor menu badge for a member who has read most of their queue (README, issue 17, rounds four
-- and five). The bench's vendor users have read nothing, so a badge that reads threads until it has
-- 1,001 unread stops early. Here success@bench.example (id 5002: Customer Success, account manager
-- of 100 practices) has read the open threads it can see whose id does not end in 0 (210,000 rows;
-- with `id % 100 <> 0`, 273,000); everything is rolled back. First the badge as it is read now, from
-- the member's unread set (vendor_unread, migration 20261203_1800, kept by the reads trigger as the
-- reads are written), then the read it replaced (round four: 10.5-18.9 ms at 210,000, 128 ms at 273,000).
-- psql -h 127.0.0.1 -U postgres -d strata_bench -f bench/badge-reads.sql
\timing on
begin;
insert into ticket_reads (ticket_id, user_id, last_read_at, practice_id)
  select id, 5002, now(), practice_id from tickets
   where status <> 'closed' and (department = 'success' or practice_id in (select id from practices where account_manager_id = 5002))
     and id % 10 <> 0;
analyze ticket_reads;
analyze vendor_unread;
explain (analyze, buffers)
select (select count(*) from (select 1 from vendor_unread where vendor_unread.user_id = u.id limit 1001) capped) as unread_tickets
  from users u where u.id = 5002;
explain (analyze, buffers)
select (select count(*) from (
    select 1 from tickets
    left join ticket_reads on ticket_reads.ticket_id = tickets.id and ticket_reads.user_id = "u"."id"
    where ("u"."active" and "u"."kind" = 'vendor'
    and ("u"."vendor_admin"
      or tickets.department = any(array_remove("v"."departments", 'product'))
      or tickets.practice_id = any("v"."managed")))
      and tickets.department = any(case when "u"."vendor_admin" or cardinality("v"."managed") > 0 then array['billing', 'success', 'technical']::text[]
    else array(select d from unnest("v"."departments") d where d = any(array['billing', 'success', 'technical']::text[])) end)
      and tickets.status <> 'closed'
      and tickets.last_public_author_id is distinct from "u"."id"
      and coalesce(ticket_reads.last_read_at, '-infinity'::timestamptz) < tickets.last_public_message_at
    limit 1001) capped) as unread_tickets
  from users u
  cross join lateral (
    select array(select d.department from vendor_departments d where d.user_id = u.id) as departments,
           array(select m.id from practices m where m.account_manager_id = u.id) as managed
  ) v
 where u.id = 5002;
-- What keeping the set costs the writers (still in the same transaction): a practice message on one
-- open thread (every vendor user's pair for it recomputed), one read by the member, and a change of
-- the member's scope (all their pairs recomputed).
explain (analyze, timing off, summary)
update tickets set last_public_message_at = now(), last_public_author_id = last_public_author_id
 where id = (select min(id) from tickets where status <> 'closed' and department = 'success');
explain (analyze, timing off, summary)
insert into ticket_reads (ticket_id, user_id, last_read_at, practice_id)
  select id, 5002, now(), practice_id from tickets where id = (select min(id) from tickets where status <> 'closed' and department = 'success')
  on conflict (user_id, ticket_id) do update set last_read_at = excluded.last_read_at;
explain (analyze, timing off, summary)
insert into vendor_departments (user_id, department) values (5002, 'technical');
rollback;
