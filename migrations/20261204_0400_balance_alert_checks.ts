import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Each balance-alert pair's next check moves out of `subscriptions` into a narrow table of its own
// (docs/rules.md, Balance alerts, "Which pairs a run looks at"). The rule and its lower bound are as in
// 20261204_0100_balance_alert_next_check.ts; what changes is where the time is kept:
// - a row in balance_alert_checks: the pair is examined once next_at has come;
// - no row: never, until something could make the pair due (what "infinity" meant before).
// Why: a run raises every pair it examines, and as a column of `subscriptions` each raise was a new
// version of the whole row in its three indexes; on the worst case's first run (667,000 pairs) that
// update was 40 % of the database's CPU (docs/performance-log.md, "The next check in a table of its own"). Here a
// raise is a narrow row in two indexes, and a pair with nothing to wait for is a delete, which
// writes no index entry at all.
//
// A row exists only for a subscribed pair: subscribing (or inserting subscribed) adds it, unsubscribing
// removes it, and the reference to `subscriptions` removes it with the subscription.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table balance_alert_checks (
  patient_id bigint not null,
  kind text not null default 'balance_alert' check (kind = 'balance_alert'),
  channel text not null,
  next_at timestamptz not null,
  primary key (patient_id, channel),
  foreign key (patient_id, kind, channel) references subscriptions (patient_id, kind, channel) on delete cascade
);
create index balance_alert_checks_next_idx on balance_alert_checks (next_at, patient_id, channel);

insert into balance_alert_checks (patient_id, channel, next_at)
select patient_id, channel, alert_next_at from subscriptions
 where kind = 'balance_alert' and subscribed and alert_next_at < 'infinity';

drop trigger subscriptions_alert_recheck on subscriptions;
drop function subscriptions_alert_recheck();
alter table subscriptions drop column alert_next_at;

-- Sets the pair(s) back to "now": pid's subscribed balance-alert pairs, on channel ch or on both.
create or replace function balance_alert_recheck(pid bigint, ch text) returns void language sql as $$
  insert into balance_alert_checks (patient_id, channel, next_at)
  select s.patient_id, s.channel, '-infinity' from subscriptions s
   where s.patient_id = pid and s.kind = 'balance_alert' and s.subscribed and (ch is null or s.channel = ch)
  on conflict (patient_id, channel) do update set next_at = '-infinity' where balance_alert_checks.next_at <> '-infinity'
$$;

-- New subscribed rows, once per statement (the demo data and a bulk insert add many at once).
create function subscriptions_alert_inserted() returns trigger language plpgsql as $$
begin
  insert into balance_alert_checks (patient_id, channel, next_at)
  select n.patient_id, n.channel, '-infinity' from subscriptions_new n
   where n.kind = 'balance_alert' and n.subscribed
  on conflict (patient_id, channel) do update set next_at = '-infinity' where balance_alert_checks.next_at <> '-infinity';
  return null;
end
$$;
create trigger subscriptions_alert_inserted after insert on subscriptions
  referencing new table as subscriptions_new for each statement execute function subscriptions_alert_inserted();

-- Turned on: checked at the next run; turned off: nothing to check.
create function subscriptions_alert_changed() returns trigger language plpgsql as $$
begin
  if new.subscribed then
    perform balance_alert_recheck(new.patient_id, new.channel);
  else
    delete from balance_alert_checks where patient_id = new.patient_id and channel = new.channel;
  end if;
  return null;
end
$$;
create trigger subscriptions_alert_changed after update of subscribed on subscriptions for each row
  when (new.kind = 'balance_alert' and old.subscribed is distinct from new.subscribed)
  execute function subscriptions_alert_changed();

create or replace function practices_alert_recheck() returns trigger language plpgsql as $$
begin
  insert into balance_alert_checks (patient_id, channel, next_at)
  select s.patient_id, s.channel, '-infinity' from subscriptions s
   where s.practice_id = new.id and s.kind = 'balance_alert' and s.subscribed
  on conflict (patient_id, channel) do update set next_at = '-infinity' where balance_alert_checks.next_at <> '-infinity';
  return null;
end
$$;

create or replace function sms_opt_outs_alert_recheck() returns trigger language plpgsql as $$
begin
  insert into balance_alert_checks (patient_id, channel, next_at)
  select s.patient_id, s.channel, '-infinity' from patients p
    join subscriptions s on s.patient_id = p.id and s.kind = 'balance_alert' and s.channel = 'sms' and s.subscribed
   where p.practice_id = old.practice_id and p.mobile_phone = old.phone
  on conflict (patient_id, channel) do update set next_at = '-infinity' where balance_alert_checks.next_at <> '-infinity';
  return null;
end
$$;
`);
}
