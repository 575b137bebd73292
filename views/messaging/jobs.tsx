import { AppLayout } from '../layouts/app.tsx';
import { Form } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { JobStatus } from '../../src/jobs/scheduler.ts';
import type { InstanceStatus, RunningImport, RunningWorkOn } from '../../src/jobs/heartbeat.ts';
import type { MessageRow } from '../../src/messaging/messages.ts';
import { STATUS_LABELS, formatWhen } from './format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { countOf, formatCount } from '../../src/intl.ts';
import { IMPORT_KINDS } from '../../src/imports/labels.ts';

/** Jobs (vendor admins): every scheduled job's last and next run, the outbox by status, failed messages. */
export function JobsPage(props: { ctx: ViewContext; jobs: JobStatus[]; counts: Record<string, number>; failed: MessageRow[]; instances: InstanceStatus[]; work: RunningWorkOn[]; imports: RunningImport[]; notice?: string; schedulerRunning: boolean; jobsProcess?: { alive: boolean } }) {
  return (
    <AppLayout ctx={props.ctx} title="Jobs" wide>
      <h1>Jobs</h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      {props.jobsProcess ? (
        props.jobsProcess.alive ? (
          <p class="hint">Jobs and imports run in the jobs processes (JOBS_PROCESS=true); Run now hands a run to them.</p>
        ) : (
          <p class="warning">Jobs and imports run in the jobs processes (JOBS_PROCESS=true), and none has written a heartbeat in the last 30 seconds: nothing runs until one is started (npm run start:jobs).</p>
        )
      ) : props.schedulerRunning ? null : (
        <p class="warning">The scheduler is off in this process (SCHEDULER=false): jobs run only with Run now.</p>
      )}
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
                <td>{j.rowsHandled == null ? '—' : formatCount(j.rowsHandled)}</td>
                <td>{formatCount(j.runs)}</td>
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

      <RunningNow work={props.work} imports={props.imports} />
      <Instances instances={props.instances} />

      <h2>Outbox</h2>
      <ul class="outbox-counts">
        {Object.entries(props.counts).map(([status, n]) => (
          <li>
            <a href={`/vendor/messages?status=${status}`}>
              {STATUS_LABELS[status] ?? status}: <strong>{formatCount(n)}</strong>
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

const pct = (done: number, total: number) => (total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0);

/**
 * Heavy work in progress: imports (from their rows, whichever instance holds them) and each instance's
 * runs. While anything runs it reloads itself every 2 s (GET /vendor/jobs/running); once nothing does, it stops.
 */
export function RunningNow(props: { work: RunningWorkOn[]; imports: RunningImport[] }) {
  const { work } = props;
  const busy = props.imports.length > 0 || work.length > 0;
  const poll = busy ? { 'hx-get': '/vendor/jobs/running', 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {};
  return (
    <section id="running-now" aria-live="polite" {...poll}>
      <h2>Running now</h2>
      {!busy ? (
        <p>Nothing heavy is running (imports, balance-alert runs, print batches).</p>
      ) : (
        <ul class="running-work">
          {props.imports.map((i) => {
            const saving = i.status === 'saving';
            const [done, total] = saving ? [i.savedRows, i.acceptedRows] : [i.processedRows, i.totalRows];
            return (
              <li>
                <label for={`import-${i.id}`}>
                  Import {i.id} ({IMPORT_KINDS[i.kind]}, {i.practiceName}): {saving ? `${formatCount(done)} of ${countOf(total, 'row', 'rows')} saved` : `${formatCount(done)} of about ${countOf(total, 'row', 'rows')} checked`}
                  {i.leasedBy ? ` on ${i.leasedBy}` : ', waiting for an instance'}
                </label>
                <progress id={`import-${i.id}`} max={Math.max(total, 1)} value={done}>{pct(done, total)}%</progress>
              </li>
            );
          })}
          {work.map((w, k) => (
            <li>
              <label for={`work-${k}`}>
                {w.label}: {formatCount(w.done)} of {formatCount(w.total)} on {w.instanceId}
              </label>
              <progress id={`work-${k}`} max={Math.max(w.total, 1)} value={w.done}>{pct(w.done, w.total)}%</progress>
            </li>
          ))}
        </ul>
      )}
      {work.length ? <p class="hint">This instance's runs are as they are now; other instances' as of their last heartbeat (every 10 s).</p> : null}
    </section>
  );
}

/** Each instance's event-loop delay (p99 and worst per ~10 s heartbeat) over the last minutes. */
function Instances(props: { instances: InstanceStatus[] }) {
  return (
    <>
      <h2>Instances</h2>
      {props.instances.length === 0 ? (
        <p>No instance has written a heartbeat in the last 10 minutes.</p>
      ) : (
        <div class="table-wrap" tabindex={0} role="region" aria-label="Table, scrolls sideways on small screens">
          <table class="list">
            <caption class="visually-hidden">Instances and their event-loop delay</caption>
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Role</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Event-loop delay now (p99 / worst)</th>
                <th scope="col">Worst in the last 10 minutes</th>
                <th scope="col">p99 per heartbeat, oldest first (ms)</th>
              </tr>
            </thead>
            <tbody>
              {props.instances.map((i) => {
                const last = i.samples[i.samples.length - 1];
                const worst = Math.max(...i.samples.map((s) => s.maxMs));
                return (
                  <tr>
                    <th scope="row">
                      <code>{i.instanceId}</code>
                      {i.silent ? <p class="muted">silent for over 30 s</p> : null}
                    </th>
                    <td>{i.role === 'jobs' ? 'jobs process' : 'web'}</td>
                    <td>{formatWhen(i.lastAt)}</td>
                    <td>
                      {last.p99Ms.toFixed(0)} ms / {last.maxMs.toFixed(0)} ms
                    </td>
                    <td>{worst.toFixed(0)} ms</td>
                    <td class="muted">{i.samples.slice(-30).map((s) => s.p99Ms.toFixed(0)).join(' · ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
