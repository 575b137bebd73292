import { sql, type RawBuilder } from 'kysely';
import { TZDate } from '@date-fns/tz';
import type { Database } from '../db/database.ts';
import { FRONT_DESK, ownPractice, practiceAppointments, practiceUsers, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import type { ReminderAnswerState } from './labels.ts';

// What staff see of patients' answers to reminders: Confirmed / Asked to reschedule / No answer on
// the patient's appointments, tomorrow's day list for the front desk, and the Dashboard's list of
// appointment changes. An answer counts only for the start time it was given about.

/** The latest answer to appointment `a` at its current start time, as a SQL expression. */
export function answerStateOf(appointmentAlias = 'a'): RawBuilder<ReminderAnswerState> {
  const a = sql.raw(appointmentAlias);
  return sql<ReminderAnswerState>`coalesce((select case x.answer when 'confirmed' then 'confirmed' else 'reschedule' end
      from appointment_answers x where x.appointment_id = ${a}.id and x.starts_at = ${a}.starts_at
      order by x.at desc, x.id desc limit 1), 'no_answer')`;
}

export type DayListRow = {
  id: number;
  patient_id: number;
  patient_name: string;
  starts_at: Date;
  provider_name: string;
  location: string;
  answer: ReminderAnswerState;
};

/** Tomorrow in the practice's zone (the front desk calls the day before), scheduled appointments in time order. */
export async function tomorrowsAppointments(db: Database, actor: Actor, now: Date): Promise<{ date: string; rows: DayListRow[] }> {
  const practice = await ownPractice(db, actor).select('time_zone').executeTakeFirstOrThrow();
  const local = new TZDate(now.getTime(), practice.time_zone);
  const start = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + 1, 0, 0, 0, practice.time_zone);
  const end = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + 2, 0, 0, 0, practice.time_zone);
  const rows = await practiceAppointments(db, actor)
    .innerJoin('patients as pt', 'pt.id', 'a.patient_id')
    .select(['a.id', 'a.patient_id', 'a.starts_at', 'a.provider_name', 'a.location'])
    .select(sql<string>`pt.last_name || ', ' || pt.first_name`.as('patient_name'))
    .select(answerStateOf('a').as('answer'))
    .where('a.status', '=', 'scheduled')
    .where('a.starts_at', '>=', new Date(start.getTime()))
    .where('a.starts_at', '<', new Date(end.getTime()))
    .orderBy('a.starts_at')
    .orderBy('a.id')
    .execute();
  const date = `${start.getFullYear()}-${String(start.getMonth() + 1).padStart(2, '0')}-${String(start.getDate()).padStart(2, '0')}`;
  return { date, rows: rows.map((r) => ({ ...r, starts_at: new Date(r.starts_at) })) };
}

export type AppointmentChange = { appointment_id: number; patient_id: number; patient_name: string; starts_at: Date; asked_at: Date; via: 'sms' | 'email_link' };

/** Upcoming appointments whose latest answer is "asked to reschedule", most recent request first (the Dashboard). */
export async function appointmentChanges(db: Database, actor: Actor, now: Date, limit = APPOINTMENT_CHANGES_SHOWN): Promise<AppointmentChange[]> {
  return readAppointmentChanges(await appointmentChangesQuery(db, actor, now, limit).execute());
}

export const APPOINTMENT_CHANGES_SHOWN = 20;

/** appointmentChanges's statement, for a page that reads it inside its own (the Dashboard: src/web/dashboard.ts). */
export function appointmentChangesQuery(db: Database, actor: Actor, now: Date, limit = APPOINTMENT_CHANGES_SHOWN) {
  return practiceAppointments(db, actor)
    .innerJoin('patients as pt', 'pt.id', 'a.patient_id')
    .innerJoin('appointment_answers as x', (j) => j.onRef('x.appointment_id', '=', 'a.id').onRef('x.starts_at', '=', 'a.starts_at'))
    .select(['a.id as appointment_id', 'a.patient_id', 'a.starts_at', 'x.at as asked_at', 'x.via'])
    .select(sql<string>`pt.last_name || ', ' || pt.first_name`.as('patient_name'))
    .where('x.answer', '=', 'reschedule')
    .where('a.status', '=', 'scheduled')
    .where('a.starts_at', '>', now)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('appointment_answers as y').select('y.id').whereRef('y.appointment_id', '=', 'a.id').whereRef('y.starts_at', '=', 'a.starts_at').where(sql<boolean>`(y.at, y.id) > (x.at, x.id)`))),
    )
    .orderBy('x.at', 'desc')
    .limit(limit);
}

/** The rows with their times as dates (from the driver, or as ISO text from a JSON column). */
export function readAppointmentChanges(rows: { appointment_id: number; patient_id: number; patient_name: string; starts_at: Date | string; asked_at: Date | string; via: 'sms' | 'email_link' }[]): AppointmentChange[] {
  return rows.map((r) => ({ ...r, starts_at: new Date(r.starts_at), asked_at: new Date(r.asked_at) }));
}

/** Whether this staff member is emailed when a patient asks to reschedule (unset: on for the Front Desk). */
export async function appointmentChangeEmailsOn(db: Database, actor: Actor): Promise<boolean> {
  const user = await practiceUsers(db, actor).select(['notify_appointment_changes', 'role']).where('users.id', '=', actor.id).executeTakeFirstOrThrow();
  return user.notify_appointment_changes ?? user.role === FRONT_DESK;
}

export async function setAppointmentChangeEmails(db: Database, actor: Actor, change: { on: boolean; now: Date }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ notify_appointment_changes: change.on }).where('id', 'in', practiceUsers(trx, actor).select('users.id').where('users.id', '=', actor.id)).execute();
    await recordAudit(trx, { at: change.now, actor, action: 'notifications.appointment_changes.changed', recordType: 'user', recordId: actor.id, details: { on: change.on } });
  });
}
