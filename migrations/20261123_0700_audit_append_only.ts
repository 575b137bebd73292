import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The audit trail is append-only. This trigger refuses UPDATE, DELETE and TRUNCATE for every role
// that does not own the table (and for the owner too, unless it drops the trigger on purpose).
// In production the app also connects as a role without UPDATE/DELETE/TRUNCATE on audit_log:
// see README, "Audit trail".
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_log_no_update_delete
  before update or delete on audit_log
  for each row execute function audit_log_refuse_change();

create trigger audit_log_no_truncate
  before truncate on audit_log
  for each statement execute function audit_log_refuse_change();

create index audit_log_practice_action_at_idx on audit_log (practice_id, action, at desc);
create index audit_log_record_idx on audit_log (record_type, record_id, at desc);
create index audit_log_actor_at_idx on audit_log (actor_user_id, at desc);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
