import { AppLayout } from '../layouts/app.tsx';
import { Form } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { JobStatus } from '../../src/jobs/scheduler.ts';
import type { MessageRow } from '../../src/messaging/messages.ts';
import { STATUS_LABELS, formatWhen } from './format.ts';
import { TableScroll } from '../components/table-scroll.tsx';

/** Jobs (vendor admins): every scheduled job's last and next run, the outbox by status, failed messages. */
export function JobsPage(props: { ctx: ViewContext; jobs: JobStatus[]; counts: Record<string, number>; failed: MessageRow[]; notice?: string; schedulerRunning: boolean }) {
  return (
    <AppLayout ctx={props.ctx} title="Jobs" wide>
      <h1>Jobs</h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      {props.schedulerRunning ? null : <p class="warning">The scheduler is off in this process (SCHEDULER=false): jobs run only with Run now.</p>}
      <TableScroll>
        <table class="list">
          <caption class="visually-hidden">Scheduled jobs</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Schedule</th>
              <th scope="col">Last run</th>
              <th scope="col">Duration</th>
              <th scope="col">Outcome</th>
              <th scope="col">Rows</th>
              <th scope="col">Runs</th>
              <th scope="col">Next run</th>
              <th scope="col"><span class="visually-hidden">Action</span></th>
            </tr>
          </thead>
          <tbody>
            {props.jobs.map((j) => (
              <tr>
                <th scope="row">
                  {j.name}
                  <p class="muted">{j.description}</p>
                </th>
                <td><code>{j.schedule}</code></td>
                <td>{formatWhen(j.lastStartedAt)}</td>
                <td>{j.durationMs == null ? '—' : `${j.durationMs} ms`}</td>
                <td>
                  {j.lastOutcome === 'error' ? <span class="status status-failed">Error</span> : j.lastOutcome === 'ok' ? <span class="status status-delivered">OK</span> : '—'}
                  {j.lastError ? <p class="muted">{j.lastError}</p> : null}
                </td>
                <td>{j.rowsHandled ?? '—'}</td>
                <td>{j.runs}</td>
                <td>{formatWhen(j.nextRunAt)}</td>
                <td>
                  <Form csrf={props.ctx.csrf} action={`/vendor/jobs/${encodeURIComponent(j.name)}/runs`}>
                    <button type="submit" aria-label={`Run ${j.name} now`}>Run now</button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>

      <h2>Outbox</h2>
      <ul class="outbox-counts">
        {Object.entries(props.counts).map(([status, n]) => (
          <li>
            <a href={`/vendor/messages?status=${status}`}>
              {STATUS_LABELS[status] ?? status}: <strong>{n}</strong>
            </a>
          </li>
        ))}
      </ul>

      <h2>Failed messages</h2>
      {props.failed.length === 0 ? (
        <p>None.</p>
      ) : (
        <TableScroll>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Message</th>
                <th scope="col">Recipient</th>
                <th scope="col">Attempts</th>
                <th scope="col">Reason</th>
                <th scope="col"><span class="visually-hidden">Action</span></th>
              </tr>
            </thead>
            <tbody>
              {props.failed.map((m) => (
                <tr>
                  <td>
                    #{m.id} {m.channel === 'sms' ? 'Text' : 'Email'} · {m.kind}
                    {m.practice_name ? <p class="muted">{m.practice_name}</p> : null}
                  </td>
                  <td>{m.recipient}</td>
                  <td>{m.attempts}</td>
                  <td>{m.last_error}</td>
                  <td>
                    <Form csrf={props.ctx.csrf} action={`/vendor/messages/${m.id}/retry`}>
                      <button type="submit" aria-label={`Retry message ${m.id}`}>Retry</button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </AppLayout>
  );
}
