import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The outbox's patient and practice are checked once per statement instead of once per row
// (docs/rules.md, Balance alerts, "What a run writes"). A foreign key checks each inserted row with a
// query of its own that also locks the patient's row (a write, with its WAL record): in the
// balance-alert run's EXPLAIN, the two checks took 75 of a batch's 200 ms, and the worst-case first
// run (355,180 alerts) took 36–40 s with them and 18 s without (docs/performance-log.md, "The first alert
// run in two lanes").
//
// What the foreign keys guaranteed still holds, checked set-based:
// - every inserted outbox row names a patient and a practice that exist: one anti join over the
//   statement's new rows (a transition table), after the statement;
// - a row whose patient or practice is changed is checked the same way, row by row, only when they change;
// - a patient or practice that outbox rows name cannot be deleted, nor its id changed.
// What it no longer does is lock the patient while the row is written, against a delete committed at
// the same moment: the app never deletes a patient or a practice (records are kept), so nothing races.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table outbox_messages drop constraint outbox_messages_patient_id_fkey;
alter table outbox_messages drop constraint outbox_messages_practice_id_fkey;

create function outbox_references_inserted() returns trigger language plpgsql as $$
declare
  missing text;
begin
  select coalesce(
           (select 'patient ' || n.patient_id from outbox_new n
             where n.patient_id is not null and not exists (select 1 from patients p where p.id = n.patient_id) limit 1),
           (select 'practice ' || n.practice_id from outbox_new n
             where n.practice_id is not null and not exists (select 1 from practices pr where pr.id = n.practice_id) limit 1))
    into missing;
  if missing is not null then
    raise foreign_key_violation using message = 'an outbox message names ' || missing || ', which does not exist', table = 'outbox_messages';
  end if;
  return null;
end
$$;
create trigger outbox_references_inserted after insert on outbox_messages
  referencing new table as outbox_new for each statement execute function outbox_references_inserted();

create function outbox_references_changed() returns trigger language plpgsql as $$
declare
  missing text := case
    when new.patient_id is not null and not exists (select 1 from patients p where p.id = new.patient_id) then 'patient ' || new.patient_id
    when new.practice_id is not null and not exists (select 1 from practices pr where pr.id = new.practice_id) then 'practice ' || new.practice_id
  end;
begin
  if missing is not null then
    raise foreign_key_violation using message = 'an outbox message names ' || missing || ', which does not exist', table = 'outbox_messages';
  end if;
  return null;
end
$$;
create trigger outbox_references_changed after update of patient_id, practice_id on outbox_messages for each row
  when (old.patient_id is distinct from new.patient_id or old.practice_id is distinct from new.practice_id)
  execute function outbox_references_changed();

create function outbox_referenced_rows_kept() returns trigger language plpgsql as $$
begin
  if (tg_table_name = 'patients' and exists (select 1 from gone g join outbox_messages m on m.patient_id = g.id))
     or (tg_table_name = 'practices' and exists (select 1 from gone g join outbox_messages m on m.practice_id = g.id)) then
    raise foreign_key_violation using message = 'a ' || rtrim(tg_table_name, 's') || ' that outbox messages name cannot be deleted', table = tg_table_name;
  end if;
  return null;
end
$$;
create trigger outbox_referenced_rows_kept after delete on patients
  referencing old table as gone for each statement execute function outbox_referenced_rows_kept();
create trigger outbox_referenced_rows_kept after delete on practices
  referencing old table as gone for each statement execute function outbox_referenced_rows_kept();

create function outbox_referenced_id_kept() returns trigger language plpgsql as $$
begin
  if (tg_table_name = 'patients' and exists (select 1 from outbox_messages m where m.patient_id = old.id))
     or (tg_table_name = 'practices' and exists (select 1 from outbox_messages m where m.practice_id = old.id)) then
    raise foreign_key_violation using message = 'the id of a ' || rtrim(tg_table_name, 's') || ' that outbox messages name cannot change', table = tg_table_name;
  end if;
  return null;
end
$$;
create trigger outbox_referenced_id_kept after update of id on patients for each row
  when (old.id is distinct from new.id) execute function outbox_referenced_id_kept();
create trigger outbox_referenced_id_kept after update of id on practices for each row
  when (old.id is distinct from new.id) execute function outbox_referenced_id_kept();
`);
}
