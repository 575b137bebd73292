import { TransactionalOnlyGuidance } from '../components/transactional-only.tsx';
import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { ExportRecord, ReportFilter } from '../../src/reports/patient-email.ts';
import { REPORT_COLUMNS } from '../../src/reports/labels.ts';
import { dateTimeFormat, formatCount } from '../../src/intl.ts';

export function ReportsIndexPage(props: { ctx: ViewContext }) {
  return (
    <AppLayout ctx={props.ctx} title="Reports">
      <h1>Reports</h1>
      <ul class="link-list report-list">
        <li>
          <a href="/reports/patient-email">Patient Email Report</a>
          <p class="muted">Contact information for all patients, as a CSV file to import into an email marketing platform.</p>
        </li>
      </ul>
    </AppLayout>
  );
}

export function PatientEmailReportPage(props: { ctx: ViewContext; filter: ReportFilter; error?: string; exports: ExportRecord[] }) {
  const tz = props.ctx.practice?.time_zone ?? 'UTC';
  const when = dateTimeFormat('en-US', { timeZone: tz, month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });
  return (
    <AppLayout ctx={props.ctx} title="Patient Email Report">
      <p>
        <a href="/reports">← Reports</a>
      </p>
      <h1>Patient Email Report</h1>
      <TransactionalOnlyGuidance />
      <p>For marketing, download this report and import it into that platform.</p>
      <p>
        Columns: {REPORT_COLUMNS.join(', ')}. Respect “Unsubscribed From Email”: those patients asked not to receive email, or their address
        bounced.
      </p>
      <p class="warning">The file holds patient contact information. Store it securely and delete it once imported. Every download is recorded in the audit trail.</p>
      {props.error ? (
        <p class="blocked" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="get" action="/reports/patient-email.csv" class="stack" hx-boost="false">
        <fieldset>
          <legend>Patients</legend>
          <div class="field checkbox">
            <input type="radio" id="status-active" name="status" value="active" checked={props.filter === 'active'} />
            <label for="status-active">Active patients</label>
          </div>
          <div class="field checkbox">
            <input type="radio" id="status-all" name="status" value="all" checked={props.filter === 'all'} />
            <label for="status-all">All patients, including inactive</label>
          </div>
        </fieldset>
        <button type="submit" class="primary">
          Download CSV
        </button>
      </form>
      {props.exports.length ? (
        <section aria-labelledby="exports-heading">
          <h2 id="exports-heading">Recent downloads</h2>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">By</th>
                <th scope="col">Patients</th>
                <th scope="col">Rows</th>
              </tr>
            </thead>
            <tbody>
              {props.exports.map((e) => (
                <tr>
                  <td>{when.format(e.at)}</td>
                  <td>{e.by}</td>
                  <td>{e.filter === 'all' ? 'All' : 'Active'}</td>
                  <td>
                    {formatCount(e.rows)}
                    {e.completed ? '' : ' (interrupted)'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </AppLayout>
  );
}
