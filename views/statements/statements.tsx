import { AppLayout } from '../layouts/app.tsx';
import { PatientMenu } from '../patients/menu.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { PatientStatementRow, PrintBatchRow } from '../../src/statements/access.ts';
import { formatCents } from '../../src/intl.ts';
import { dateTimeFormat } from '../../src/intl.ts';
import { TableScroll } from '../components/table-scroll.tsx';

type StatementPatient = { id: number; first_name: string; last_name: string; account_number: string; date_of_birth: string; status: string; statement_delivery: string; alt_address_line1: string | null; address_line1: string | null };

export function PatientStatementsPage(props: { ctx: ViewContext; patient: StatementPatient; statements: PatientStatementRow[] }) {
  const { patient } = props;
  return (
    <AppLayout ctx={props.ctx} title={`Statements · ${patient.first_name} ${patient.last_name}`}>
      <h1>
        {patient.first_name} {patient.last_name} <span class="muted">· {patient.account_number}</span>
      </h1>
      <PatientMenu patientId={patient.id} active="statements" />
      <p>
        Statements are generated 30, 60 and 90 days after the first patient responsibility of an unpaid balance, while the balance is above
        zero. This account receives them {patient.statement_delivery === 'electronic' ? 'by email, as a secure portal link' : 'by mail'}
        {patient.statement_delivery === 'mail'
          ? patient.alt_address_line1
            ? ', at the alternate statement address.'
            : patient.address_line1
              ? ', at the demographic address.'
              : '; there is no address on file, so nothing can be mailed.'
          : '.'}
      </p>
      {props.statements.length ? (
        <TableScroll>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Statement date</th>
                <th scope="col">Cycle</th>
                <th scope="col">Balance due</th>
                <th scope="col">Delivery</th>
                <th scope="col">PDF</th>
              </tr>
            </thead>
            <tbody>
              {props.statements.map((s) => (
                <tr>
                  <td>{s.statement_date}</td>
                  <td>{s.cycle} days</td>
                  <td>{formatCents(s.balance_cents)}</td>
                  <td>{deliveryText(s)}</td>
                  <td>
                    <a href={`/patients/${patient.id}/statements/${s.id}.pdf`} hx-boost="false">
                      View statement of {s.statement_date} (PDF)
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : (
        <p class="muted">No statements yet.</p>
      )}
    </AppLayout>
  );
}

function deliveryText(s: PatientStatementRow): string {
  if (s.delivery === 'electronic') return `Email with portal link${s.email_status ? ` (${s.email_status})` : ''}`;
  if (!s.address_kind) return 'Mail: no address on file, not printed';
  const where = s.address_kind === 'alternate' ? 'alternate statement address' : 'demographic address';
  return `Mail to ${where}, print batch ${s.batch_date ?? '—'}${s.batch_downloaded_at ? ' (sent to print)' : ''}`;
}

export function PrintBatchesPage(props: { ctx: ViewContext; batches: PrintBatchRow[] }) {
  const when = dateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
  return (
    <AppLayout ctx={props.ctx} title="Print batches">
      <h1>Statement print batches</h1>
      <p>Mailed patient statements, gathered per practice and day. Download a batch as one PDF for the mail house; each statement starts on a new page and carries the patient’s personal payment link.</p>
      {props.batches.length ? (
        <TableScroll>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Practice</th>
                <th scope="col">Statements</th>
                <th scope="col">Downloaded</th>
                <th scope="col">PDF</th>
              </tr>
            </thead>
            <tbody>
              {props.batches.map((b) => (
                <tr>
                  <td>{b.batch_date}</td>
                  <td>{b.practice_name}</td>
                  <td>{b.statements}</td>
                  <td>{b.downloaded_at ? `${when.format(new Date(b.downloaded_at))} by ${b.downloaded_by ?? 'unknown'}` : 'Not yet'}</td>
                  <td>
                    <a href={`/vendor/print-batches/${b.id}.pdf`} hx-boost="false">
                      Download {b.practice_name} {b.batch_date} (PDF)
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : (
        <p class="muted">No print batches yet.</p>
      )}
    </AppLayout>
  );
}
