import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { TicketDepartment } from '../db/schema.ts';
import { assertCan, type Actor } from '../auth/permissions.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { QUEUE_DEPARTMENTS, QUEUE_LABEL, TARGET_CHOICES, targetLabel } from './labels.ts';

// First-response targets (docs/rules.md, "First-response targets"): per department, in business
// hours. Business hours are the hours of Monday to Friday in StrataPT's time zone; a business day is
// 24 of them, so "1 business day" from Friday 4 PM ends Monday 4 PM. A thread is past target while it
// waits on StrataPT and more business time than the target has passed since it began waiting.

/** StrataPT's own time zone: weekends are counted in it. */
export const VENDOR_TIME_ZONE = 'America/Chicago';

/** Used until a vendor admin saves a target for the department. */
export const DEFAULT_TARGET_HOURS = 24;

export type DepartmentTarget = { department: TicketDepartment; hours: number; label: string; updated_at: Date | null };

/** Every queue department's target, the default where none was saved. */
export async function loadTargets(db: Database): Promise<Record<TicketDepartment, DepartmentTarget>> {
  const rows = await db.selectFrom('department_targets').select(['department', 'first_response_hours', 'updated_at']).execute();
  const out = {} as Record<TicketDepartment, DepartmentTarget>;
  for (const d of QUEUE_DEPARTMENTS) {
    const row = rows.find((r) => r.department === d);
    const hours = row?.first_response_hours ?? DEFAULT_TARGET_HOURS;
    out[d] = { department: d, hours, label: targetLabel(hours), updated_at: row?.updated_at ?? null };
  }
  return out;
}

const HOURS = new Set(TARGET_CHOICES.map((c) => String(c.hours)));
const hoursField = (d: TicketDepartment) =>
  z.string({ error: `Choose a target for ${QUEUE_LABEL[d]}.` }).refine((v) => HOURS.has(v), `Choose a target for ${QUEUE_LABEL[d]} from the list.`);
const targetsSchema = z.object({ billing: hoursField('billing'), success: hoursField('success'), technical: hoursField('technical') });

/** Saves the three departments' targets (vendor admins). */
export async function saveTargets(db: Database, actor: Actor, fields: Record<string, string | undefined>, now: Date): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
  assertCan(actor, 'vendor.admin');
  const parsed = targetsSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  await db.transaction().execute(async (trx) => {
    for (const d of QUEUE_DEPARTMENTS) {
      const hours = Number(parsed.data[d]);
      await trx
        .insertInto('department_targets')
        .values({ department: d, first_response_hours: hours, updated_at: now, updated_by_user_id: actor.id })
        .onConflict((oc) => oc.column('department').doUpdateSet({ first_response_hours: hours, updated_at: now, updated_by_user_id: actor.id }))
        .execute();
    }
  });
  return { ok: true };
}

/**
 * Milliseconds of Monday-to-Friday time between two instants, weekdays read in StrataPT's time zone.
 * With `enough`, stops counting once the total passes it (a queue row only asks "past target?", and a
 * thread may have waited for months).
 */
export function businessMsBetween(start: Date, end: Date, timeZone = VENDOR_TIME_ZONE, enough = Infinity): number {
  let total = 0;
  let cursor = start.getTime();
  const stop = end.getTime();
  while (cursor < stop && total <= enough) {
    const local = new TZDate(cursor, timeZone);
    const nextMidnight = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + 1, timeZone).getTime();
    const segmentEnd = Math.min(stop, nextMidnight);
    const day = local.getDay();
    if (day !== 0 && day !== 6) total += segmentEnd - cursor;
    cursor = segmentEnd;
  }
  return total;
}

/**
 * Any seven consecutive days hold five weekdays: at least 119 business hours (120, less one where a
 * daylight-saving change shortens a weekday).
 */
const WEEK_MS = 7 * 86_400_000;
const BUSINESS_MS_IN_ANY_WEEK = (5 * 24 - 1) * 3_600_000;

/**
 * Where a thread waiting on StrataPT stands against its department's target. A wait of whole weeks
 * that already holds more business time than the target is past it without walking the calendar (a
 * queue page asks this for each of its rows, and most of a backlog has waited for weeks); `businessMs`
 * is then that lower bound, as the walk's own figure stops just past the target.
 */
export function targetStanding(waitingSince: Date, now: Date, targetHours: number): { past: boolean; businessMs: number } {
  const targetMs = targetHours * 3_600_000;
  const atLeast = Math.floor((now.getTime() - waitingSince.getTime()) / WEEK_MS) * BUSINESS_MS_IN_ANY_WEEK;
  if (atLeast > targetMs) return { past: true, businessMs: atLeast };
  const businessMs = businessMsBetween(waitingSince, now, VENDOR_TIME_ZONE, targetMs);
  return { past: businessMs > targetMs, businessMs };
}
