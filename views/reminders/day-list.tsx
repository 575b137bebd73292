import { AppLayout } from '../layouts/app.tsx';
import { Form, Checkbox } from '../components/form.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { DayListRow } from '../../src/reminders/day-list.ts';
import { REMINDER_ANSWER_LABELS } from '../../src/reminders/labels.ts';
import { dateTimeFormat } from '../../src/intl.ts';

/** Tomorrow's appointments with each patient's answer to the reminder, for the front desk's calls. */
export function DayListPage(props: { ctx: ViewContext; date: string; rows: DayListRow[]; emailsOn: boolean; notice?: string }) {
  const tz = props.ctx.practice?.time_zone ?? 'UTC';
  const [y, m, d] = props.date.split('-').map(Number);
  const day = dateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }).format(new Date(Date.UTC(y!, m! - 1, d!, 12)));
  const time = dateTimeFormat('en-US', { timeZone: tz, hour: 'numeric', minute: '2-digit' });
  const counts = { confirmed: 0, reschedule: 0, no_answer: 0 };
  for (const r of props.rows) counts[r.answer]++;
  return (
    <AppLayout ctx={props.ctx} title="Tomorrow's appointments">
      <h1>Tomorrow's appointments</h1>
      <p>
        {day} · {props.rows.length} scheduled · {counts.confirmed} {REMINDER_ANSWER_LABELS.confirmed.toLowerCase()} · {counts.reschedule}{' '}
        {REMINDER_ANSWER_LABELS.reschedule.toLowerCase()} · {counts.no_answer} {REMINDER_ANSWER_LABELS.no_answer.toLowerCase()}
      </p>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      {props.rows.length === 0 ? (
        <p>No appointments tomorrow.</p>
      ) : (
        <TableScroll>
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Patient</th>
                <th scope="col">Provider</th>
                <th scope="col">Location</th>
                <th scope="col">Reminder answer</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td>{time.format(r.starts_at)}</td>
                  <td>
                    <a href={`/patients/${r.patient_id}`}>{r.patient_name}</a>
                  </td>
                  <td>{r.provider_name}</td>
                  <td>{r.location}</td>
                  <td class={`answer answer-${r.answer}`}>{REMINDER_ANSWER_LABELS[r.answer]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <section class="card" aria-labelledby="change-emails-heading">
        <h2 id="change-emails-heading">Emails about reschedule requests</h2>
        <p>When on, you are emailed when a patient asks to reschedule. The email names no patient; sign in to see who.</p>
        <Form csrf={props.ctx.csrf} action="/appointments/tomorrow/emails" class="stack">
          <Checkbox label="Email me when a patient asks to reschedule" name="on" checked={props.emailsOn} />
          <button type="submit">Save</button>
        </Form>
      </section>
    </AppLayout>
  );
}
