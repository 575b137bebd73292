import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { TicketDepartment } from '../db/schema.ts';
import { assertCan, type Actor } from '../auth/permissions.ts';
import { QUEUE_DEPARTMENTS } from './labels.ts';
import { VENDOR_TIME_ZONE } from './service-levels.ts';

// The service report (docs/rules.md, "Service report"), for vendor admins: per department and week
// (Monday to Sunday in StrataPT's time zone), computed in SQL over tickets and their events.
//   opened            threads created that week (by either side)
//   closed            closures recorded that week
//   first response    for threads a practice opened that week: the time to StrataPT's first public
//                     reply (tickets.first_vendor_response_at, kept by insertTicketMessage); median
//                     and 90th percentile (percentile_cont) over those answered
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
  // One statement in its own transaction, only to switch JIT compilation off for it: the planner's
  // cost for a million threads and their events passes jit_above_cost, and compiling the ~150
  // expressions cost ~110 ms (more once inlining starts) on top of a ~330 ms execution.
  const rows = await db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return (await sql<{ department: TicketDepartment; week: string; opened: string; closed: string; answered: string; median_minutes: number | null; p90_minutes: number | null; went_overdue: string; practices_blocked: string; blocked_minutes: number | null }>`
      with weeks as (
        -- The eight weeks as ranges of time: a thread belongs to week w exactly when it was created in
        -- [w 00:00, w + 7 00:00) in StrataPT's time zone, so each week is one range of the index below.
        select w as week, (w::timestamp at time zone ${tz}) as starts, ((w + 7)::timestamp at time zone ${tz}) as ends
          from (select ${first}::date + 7 * i as w from generate_series(0, ${sql.lit(weeks - 1)}) i) g
      ), opened as (
        -- Per week, one range read of tickets_created_report_idx (created_at, with department, side and
        -- first reply; index-only): the threads opened and, for those a practice opened, the minutes to
        -- StrataPT's first public reply (null while unanswered: count and percentile_cont skip nulls).
        -- Grouping each week by department alone keeps every group in memory; grouping all the weeks'
        -- ~140,000 rows at once by a computed week was planned as a sort spilling to disk (~0.8 s).
        select o.department, w.week, o.opened, o.answered, o.median_minutes, o.p90_minutes
          from weeks w cross join lateral (
            select department, count(*) as opened, count(minutes) as answered,
                   percentile_cont(0.5) within group (order by minutes) as median_minutes,
                   percentile_cont(0.9) within group (order by minutes) as p90_minutes
              from (select t.department,
                           case when t.created_by_side = 'practice'
                                then extract(epoch from (t.first_vendor_response_at - t.created_at)) / 60.0 end as minutes
                      from tickets t
                     where t.created_at >= w.starts and t.created_at < w.ends and t.created_at <= ${now}) x
             group by department) o
      ), closed as (
        select t.department, ${week('e.at')} as week, count(*) as closed
          from ticket_events e join tickets t on t.id = e.ticket_id
         where e.kind = 'closed' and e.at >= ${since} and e.at <= ${now}
         group by 1, 2
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
        union select department, week from blocked
      )
      select k.department, to_char(k.week, 'YYYY-MM-DD') as week,
             coalesce(o.opened, 0) as opened, coalesce(c.closed, 0) as closed, coalesce(o.answered, 0) as answered,
             o.median_minutes, o.p90_minutes,
             coalesce(b.went_overdue, 0) as went_overdue, coalesce(b.practices_blocked, 0) as practices_blocked, b.blocked_minutes
        from keys k
        left join opened o using (department, week)
        left join closed c using (department, week)
        left join blocked b using (department, week)`.execute(trx)).rows;
  });
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
