import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { TicketDepartment } from '../db/schema.ts';
import { assertCan, type Actor } from '../auth/permissions.ts';
import { QUEUE_DEPARTMENTS } from './labels.ts';
import { VENDOR_TIME_ZONE } from './service-levels.ts';

// The service report (docs/rules.md, "Service report"), for vendor admins: per department and week
// (Monday to Sunday in StrataPT's time zone), computed in SQL over tickets, their messages and events.
//   opened            threads created that week (by either side)
//   closed            closures recorded that week
//   first response    for threads a practice opened that week: the time to StrataPT's first public
//                     reply; median and 90th percentile (percentile_cont) over those answered
//   went Overdue      threads recorded Overdue that week
//   practices blocked practices with a thread that went Overdue that week, and for how long in
//                     total: each Overdue period runs from the recorded Overdue to the practice's
//                     answer, the lifted requirement or the closure (or now), overlaps counted once
// A thread counts in its current department.

export type ReportRow = {
  department: TicketDepartment;
  week: string; // 'YYYY-MM-DD', the Monday
  opened: number;
  closed: number;
  answered: number;
  median_minutes: number | null;
  p90_minutes: number | null;
  went_overdue: number;
  practices_blocked: number;
  blocked_minutes: number;
};

export const REPORT_WEEKS = 8;

/** The last REPORT_WEEKS weeks up to the one holding `now`, every department, zeros included. */
export async function loadServiceReport(db: Database, actor: Actor, now: Date, weeks = REPORT_WEEKS): Promise<{ weeks: string[]; rows: ReportRow[] }> {
  assertCan(actor, 'vendor.admin');
  const tz = VENDOR_TIME_ZONE;
  const week = (col: string) => sql.raw(`(date_trunc('week', ${col} at time zone '${tz}'))::date`);
  const { rows: bounds } = await sql<{ first: string; last: string; since: Date }>`
    select to_char(w - ${sql.lit(7 * (weeks - 1))}, 'YYYY-MM-DD') as first, to_char(w, 'YYYY-MM-DD') as last,
           ((w - ${sql.lit(7 * (weeks - 1))})::timestamp at time zone ${tz}) as since
      from (select (date_trunc('week', ${now}::timestamptz at time zone ${tz}))::date as w) x`.execute(db);
  const { first, since } = bounds[0];
  const { rows } = await sql<{ department: TicketDepartment; week: string; opened: string; closed: string; answered: string; median_minutes: number | null; p90_minutes: number | null; went_overdue: string; practices_blocked: string; blocked_minutes: number | null }>`
    with opened as (
      select t.department, ${week('t.created_at')} as week, count(*) as opened
        from tickets t where t.created_at >= ${since} and t.created_at <= ${now}
       group by 1, 2
    ), closed as (
      select t.department, ${week('e.at')} as week, count(*) as closed
        from ticket_events e join tickets t on t.id = e.ticket_id
       where e.kind = 'closed' and e.at >= ${since} and e.at <= ${now}
       group by 1, 2
    ), responses as (
      select t.department, ${week('t.created_at')} as week,
             extract(epoch from (select min(m.created_at) from ticket_messages m
                                  where m.ticket_id = t.id and m.author_side = 'vendor' and not m.internal)
                     - t.created_at) / 60.0 as minutes
        from tickets t
       where t.created_by_side = 'practice' and t.created_at >= ${since} and t.created_at <= ${now}
    ), first_response as (
      select department, week, count(minutes) as answered,
             percentile_cont(0.5) within group (order by minutes) as median_minutes,
             percentile_cont(0.9) within group (order by minutes) as p90_minutes
        from responses where minutes is not null group by 1, 2
    ), overdue as (
      select t.department, t.practice_id, ${week('e.at')} as week, e.at as started,
             coalesce((select min(n.at) from ticket_events n
                        where n.ticket_id = e.ticket_id and n.at >= e.at
                          and n.kind in ('response_received', 'requirement_lifted', 'closed')), ${now}::timestamptz) as ended
        from ticket_events e join tickets t on t.id = e.ticket_id
       where e.kind = 'went_overdue' and e.at >= ${since} and e.at <= ${now}
    ), blocked_per_practice as (
      select department, week, practice_id, count(*) as periods,
             (select sum(extract(epoch from upper(r) - lower(r))) from unnest(range_agg(tstzrange(started, ended))) r) / 60.0 as minutes
        from overdue group by 1, 2, 3
    ), blocked as (
      select department, week, sum(periods) as went_overdue, count(*) as practices_blocked, sum(minutes) as blocked_minutes
        from blocked_per_practice group by 1, 2
    ), keys as (
      select department, week from opened union select department, week from closed
      union select department, week from first_response union select department, week from blocked
    )
    select k.department, to_char(k.week, 'YYYY-MM-DD') as week,
           coalesce(o.opened, 0) as opened, coalesce(c.closed, 0) as closed, coalesce(f.answered, 0) as answered,
           f.median_minutes, f.p90_minutes,
           coalesce(b.went_overdue, 0) as went_overdue, coalesce(b.practices_blocked, 0) as practices_blocked, b.blocked_minutes
      from keys k
      left join opened o using (department, week)
      left join closed c using (department, week)
      left join first_response f using (department, week)
      left join blocked b using (department, week)`.execute(db);
  const weekList = Array.from({ length: weeks }, (_, i) => addDays(first, 7 * i));
  const out: ReportRow[] = [];
  for (const d of QUEUE_DEPARTMENTS) {
    for (const w of weekList) {
      const r = rows.find((x) => x.department === d && x.week === w);
      out.push({
        department: d,
        week: w,
        opened: Number(r?.opened ?? 0),
        closed: Number(r?.closed ?? 0),
        answered: Number(r?.answered ?? 0),
        median_minutes: r?.median_minutes == null ? null : Number(r.median_minutes),
        p90_minutes: r?.p90_minutes == null ? null : Number(r.p90_minutes),
        went_overdue: Number(r?.went_overdue ?? 0),
        practices_blocked: Number(r?.practices_blocked ?? 0),
        blocked_minutes: Math.round(Number(r?.blocked_minutes ?? 0)),
      });
    }
  }
  return { weeks: weekList, rows: out };
}

/** The report as CSV, one line per department and week; durations in hours with one decimal. */
export function serviceReportCsv(rows: ReportRow[]): string {
  const hours = (m: number | null) => (m === null ? '' : (m / 60).toFixed(1));
  const lines = [
    'department,week_starting,opened,closed,answered,first_response_median_hours,first_response_p90_hours,went_overdue,practices_blocked,hours_blocked',
    ...rows.map((r) => [r.department, r.week, r.opened, r.closed, r.answered, hours(r.median_minutes), hours(r.p90_minutes), r.went_overdue, r.practices_blocked, hours(r.blocked_minutes)].join(',')),
  ];
  return lines.join('\r\n') + '\r\n';
}

function addDays(isoDay: string, days: number): string {
  const d = new Date(`${isoDay}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
