import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { TicketDepartment } from '../db/schema.ts';
import { assertCan, type Actor } from '../auth/permissions.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { NotFound } from '../web/errors.ts';
import { MESSAGE_MAX, QUEUE_DEPARTMENTS } from './labels.ts';
import { queueDepartmentsOf } from './queues.ts';
import type { ConsoleThread } from './visibility.ts';

// Canned replies (docs/rules.md, "Canned replies"): each department's ready-made texts, inserted
// into the console's reply box and edited there before sending. Vendor admins manage them; a team
// member uses the macros of the thread's department. Two placeholders are filled from the thread:
// {practice} (the practice's name) and {first_name} (the first name of the staff member who opened
// the thread; "there" when StrataPT started it, so "Hi {first_name}," reads "Hi there,").

export const MACRO_TITLE_MAX = 120;
export const PLACEHOLDERS = ['practice', 'first_name'] as const;

export type Macro = { id: number; department: TicketDepartment; title: string; body: string; updated_at: Date };
export type FilledMacro = { id: number; title: string; text: string };

const macroSchema = z.object({
  department: z.enum(QUEUE_DEPARTMENTS as [TicketDepartment, ...TicketDepartment[]], { error: 'Choose a department.' }),
  title: z.string({ error: 'Give the reply a title.' }).trim().min(1, 'Give the reply a title.').max(MACRO_TITLE_MAX, `Use at most ${MACRO_TITLE_MAX} characters.`),
  body: z
    .string({ error: 'Write the reply.' })
    .trim()
    .min(1, 'Write the reply.')
    .max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`)
    .superRefine((v, ctx) => {
      const unknown = unknownPlaceholders(v);
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `Unknown placeholder ${unknown.map((p) => `{${p}}`).join(', ')}: use {practice} or {first_name}.` });
    }),
});

/** Every macro, by department and title (vendor admins' list). */
export async function listMacros(db: Database, actor: Actor): Promise<Macro[]> {
  assertCan(actor, 'vendor.admin');
  return db.selectFrom('ticket_macros').select(['id', 'department', 'title', 'body', 'updated_at']).orderBy('department').orderBy('title').orderBy('id').execute();
}

export async function findMacro(db: Database, actor: Actor, id: number): Promise<Macro> {
  assertCan(actor, 'vendor.admin');
  const row = await db.selectFrom('ticket_macros').select(['id', 'department', 'title', 'body', 'updated_at']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

export type MacroResult = { ok: true; id: number } | { ok: false; errors: Record<string, string> };

export async function createMacro(db: Database, actor: Actor, fields: Record<string, string | undefined>, now: Date): Promise<MacroResult> {
  assertCan(actor, 'vendor.admin');
  const parsed = macroSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const row = await db
    .insertInto('ticket_macros')
    .values({ ...parsed.data, created_by_user_id: actor.id, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ok: true, id: row.id };
}

export async function updateMacro(db: Database, actor: Actor, id: number, fields: Record<string, string | undefined>, now: Date): Promise<MacroResult> {
  await findMacro(db, actor, id);
  const parsed = macroSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  await db.updateTable('ticket_macros').set({ ...parsed.data, updated_at: now }).where('id', '=', id).execute();
  return { ok: true, id };
}

export async function deleteMacro(db: Database, actor: Actor, id: number): Promise<void> {
  await findMacro(db, actor, id);
  await db.deleteFrom('ticket_macros').where('id', '=', id).execute();
}

/** The macros of a thread's department, with the placeholders filled for this thread. */
export async function macrosForThread(db: Database, actor: Actor, thread: ConsoleThread): Promise<FilledMacro[]> {
  if (!queueDepartmentsOf(actor).includes(thread.department)) return [];
  const rows = await db.selectFrom('ticket_macros').select(['id', 'title', 'body']).where('department', '=', thread.department).orderBy('title').orderBy('id').execute();
  const values = placeholderValues(thread);
  return rows.map((r) => ({ id: r.id, title: r.title, text: fillPlaceholders(r.body, values) }));
}

/** What {practice} and {first_name} stand for in a thread. */
export function placeholderValues(thread: Pick<ConsoleThread, 'practice_name' | 'creator_name' | 'created_by_side'>): Record<(typeof PLACEHOLDERS)[number], string> {
  const first = thread.created_by_side === 'practice' ? thread.creator_name.trim().split(/\s+/)[0] : '';
  return { practice: thread.practice_name, first_name: first || 'there' };
}

export function fillPlaceholders(body: string, values: Record<string, string>): string {
  return body.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function unknownPlaceholders(body: string): string[] {
  return [...body.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
}

/**
 * The reply box after inserting a canned reply: what was typed, then the macro's filled text. Only
 * a macro of the thread's department can be inserted.
 */
export async function insertMacro(db: Database, actor: Actor, thread: ConsoleThread, macroId: string | undefined, typed: string): Promise<{ ok: true; message: string } | { ok: false; message: string; error: string }> {
  const macro = (await macrosForThread(db, actor, thread)).find((m) => String(m.id) === macroId);
  if (!macro) return { ok: false, message: typed, error: 'Choose a canned reply from the list.' };
  const before = typed.replace(/\s+$/, '');
  return { ok: true, message: before ? `${before}\n\n${macro.text}` : macro.text };
}
