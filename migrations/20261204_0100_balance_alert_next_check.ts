import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Each balance-alert subscription's next check (docs/rules.md, Balance alerts, "Which pairs a run
// looks at"). The rule still decides from the ledger and the outbox; alert_next_at only says when a
// (patient, channel) pair could next be due, so a run reads the pairs whose time has come instead of
// every account with a balance. It is a lower bound: whatever can make a pair due sooner sets it back
// to -infinity here, in the database, so no path of the app can forget to:
// - the subscription turned on;
// - the patient's balance, latest responsibility, mobile number or email changed (the ledger's
//   trigger writes the first two);
// - the practice's frequency or time zone changed;
// - a STOP lifted (sms_opt_outs row removed) or an email suppression removed;
// - a balance alert cancelled or deleted (the cadence counts alerts that were not cancelled).
// Only the run raises it (src/balance-alerts/alerts.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table subscriptions add column alert_next_at timestamptz not null default '-infinity';
create index subscriptions_alert_next_idx on subscriptions (alert_next_at, patient_id, channel) where kind = 'balance_alert' and subscribed;
-- The selection it served now starts from the index above; a pair's own row is found by the primary key.
drop index subscriptions_balance_alert_idx;

create function balance_alert_recheck(pid bigint, ch text) returns void language sql as $$
  update subscriptions set alert_next_at = '-infinity'
   where patient_id = pid and kind = 'balance_alert' and (ch is null or channel = ch) and alert_next_at <> '-infinity'
$$;

create function subscriptions_alert_recheck() returns trigger language plpgsql as $$
begin
  if new.kind = 'balance_alert' and new.subscribed and (tg_op = 'INSERT' or not old.subscribed) then
    new.alert_next_at := '-infinity';
  end if;
  return new;
end
$$;
create trigger subscriptions_alert_recheck before insert or update of subscribed on subscriptions
  for each row execute function subscriptions_alert_recheck();

create function patients_alert_recheck() returns trigger language plpgsql as $$
begin
  perform balance_alert_recheck(new.id, null);
  return null;
end
$$;
create trigger patients_alert_recheck after update on patients for each row
  when (old.balance_cents is distinct from new.balance_cents
     or old.last_responsibility_at is distinct from new.last_responsibility_at
     or old.mobile_phone is distinct from new.mobile_phone
     or old.email is distinct from new.email)
  execute function patients_alert_recheck();

create function practices_alert_recheck() returns trigger language plpgsql as $$
begin
  update subscriptions set alert_next_at = '-infinity'
   where practice_id = new.id and kind = 'balance_alert' and subscribed and alert_next_at <> '-infinity';
  return null;
end
$$;
create trigger practices_alert_recheck after update on practices for each row
  when (old.balance_alert_frequency is distinct from new.balance_alert_frequency or old.time_zone is distinct from new.time_zone)
  execute function practices_alert_recheck();

create function sms_opt_outs_alert_recheck() returns trigger language plpgsql as $$
begin
  update subscriptions s set alert_next_at = '-infinity'
    from patients p
   where p.practice_id = old.practice_id and p.mobile_phone = old.phone
     and s.patient_id = p.id and s.kind = 'balance_alert' and s.channel = 'sms' and s.alert_next_at <> '-infinity';
  return null;
end
$$;
create trigger sms_opt_outs_alert_recheck after delete or update on sms_opt_outs
  for each row execute function sms_opt_outs_alert_recheck();

create function email_suppressions_alert_recheck() returns trigger language plpgsql as $$
begin
  perform balance_alert_recheck(old.patient_id, 'email');
  return null;
end
$$;
create trigger email_suppressions_alert_recheck after delete or update on email_suppressions
  for each row execute function email_suppressions_alert_recheck();

create function outbox_alert_recheck() returns trigger language plpgsql as $$
begin
  perform balance_alert_recheck(old.patient_id, old.channel);
  return null;
end
$$;
create trigger outbox_alert_cancelled_recheck after update of status on outbox_messages for each row
  when (new.kind = 'balance_alert' and new.status = 'cancelled' and old.status <> 'cancelled' and new.patient_id is not null)
  execute function outbox_alert_recheck();
create trigger outbox_alert_deleted_recheck after delete on outbox_messages for each row
  when (old.kind = 'balance_alert' and old.patient_id is not null)
  execute function outbox_alert_recheck();
`);
}
