import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { PatientListRow } from '../../src/patients/patients.ts';
import { formatCents } from '../../src/intl.ts';
import { formatDob } from './format.ts';
import { TableScroll } from '../components/table-scroll.tsx';

export type PatientListProps = { q: string; showAll: boolean; rows: PatientListRow[]; page: number; hasNext: boolean };

/** The Patients page: a GET search form; htmx swaps only the results as the user types. */
export function PatientListPage(props: { ctx: ViewContext } & PatientListProps) {
  const live = { 'hx-get': '/patients', 'hx-include': 'closest form', 'hx-target': '#patient-results', 'hx-swap': 'outerHTML', 'hx-push-url': 'true' };
  return (
    <AppLayout ctx={props.ctx} title="Patients">
      <h1>Patients</h1>
      {props.ctx.may['patients.import'] ? (
        <p>
          <a class="button" href="/patients/import">Import patients, ledger or appointments (CSV)</a>
        </p>
      ) : null}
      <form method="get" action="/patients" class="search-bar" role="search">
        <div class="field">
          <label for="q">Search by name, date of birth or account number</label>
          <input id="q" name="q" type="search" value={props.q} autocomplete="off" placeholder="Name, MM/DD/YYYY or account number" {...live} hx-trigger="input changed delay:300ms" />
        </div>
        <div class="field checkbox">
          <input type="checkbox" id="show-all" name="all" value="1" checked={props.showAll} {...live} />
          <label for="show-all">Show All (include inactive accounts)</label>
        </div>
        <button type="submit">Search</button>
      </form>
      <PatientResults {...props} />
    </AppLayout>
  );
}

/** The results table and pager: inside the page, and alone as the htmx response. */
export function PatientResults(props: PatientListProps) {
  const link = (page: number) => {
    const params = new URLSearchParams();
    if (props.q) params.set('q', props.q);
    if (props.showAll) params.set('all', '1');
    if (page > 1) params.set('page', String(page));
    const s = params.toString();
    return s ? `/patients?${s}` : '/patients';
  };
  return (
    <div id="patient-results" aria-live="polite">
      {props.rows.length === 0 ? (
        <p>{props.q ? `No ${props.showAll ? '' : 'active '}patient accounts match “${props.q}”.` : 'No patient accounts yet.'}{!props.showAll && props.q ? ' Try Show All to include inactive accounts.' : ''}</p>
      ) : (
        <TableScroll>
          <table class="list">
            <caption class="visually-hidden">Patient accounts</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Date of birth</th>
                <th scope="col">Account</th>
                <th scope="col">Status</th>
                <th scope="col">Latest case</th>
                <th scope="col" class="num">Balance</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((p) => (
                <tr class={p.status === 'inactive' ? 'inactive' : undefined}>
                  <td>
                    <a href={`/patients/${p.id}`}>
                      {p.last_name}, {p.first_name}
                    </a>
                  </td>
                  <td>{formatDob(p.date_of_birth)}</td>
                  <td>{p.account_number}</td>
                  <td>{p.status === 'active' ? 'Active' : 'Inactive'}</td>
                  <td>{p.latest_case ?? '—'}</td>
                  <td class="num">{formatCents(p.balance_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <nav class="pager" aria-label="Pages">
        {props.page > 1 ? <a href={link(props.page - 1)}>Previous page</a> : null}
        {props.page > 1 || props.hasNext ? <span>Page {props.page}</span> : null}
        {props.hasNext ? <a href={link(props.page + 1)}>Next page</a> : null}
      </nav>
    </div>
  );
}
