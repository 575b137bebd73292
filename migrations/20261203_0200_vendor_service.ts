import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The vendor console's service levels (docs/rules.md, "First-response targets" and "Canned
// replies"): one first-response target per department, set by vendor admins, and each
// department's canned replies. Both are StrataPT's own rows, not a practice's.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table department_targets (
  department text primary key check (department in ('billing', 'success', 'technical')),
  first_response_hours integer not null check (first_response_hours between 1 and 336),
  updated_at timestamptz not null,
  updated_by_user_id integer references users(id)
);

create table ticket_macros (
  id serial primary key,
  department text not null check (department in ('billing', 'success', 'technical')),
  title text not null check (length(title) between 1 and 120),
  body text not null check (length(body) between 1 and 20000),
  created_by_user_id integer references users(id),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index ticket_macros_department_idx on ticket_macros (department, title);
`);
}
