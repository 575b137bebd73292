import { tz } from '@date-fns/tz';
import { format } from 'date-fns';
import { AppLayout } from '../layouts/app.tsx';
import { TextField } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { AuditFilters, AuditPage, AuditRow } from '../../src/audit/search.ts';

type Props = {
  ctx: ViewContext;
  basePath: string;
  filters: AuditFilters;
  errors: Record<string, string>;
  result: AuditPage | null;
  actions: string[];
  vendor: boolean;
};

/** The audit trail: a GET search form (bookmarkable, works without JavaScript) and one page of entries. */
export function AuditPageView(props: Props) {
  const { filters, errors, result, basePath } = props;
  return (
    <AppLayout ctx={props.ctx} title="Audit trail" wide>
      <h1>Audit trail</h1>
      <p class="meta">
        {props.vendor
          ? 'Every practice. Times are in UTC.'
          : `${props.ctx.practice?.name ?? 'Your practice'} only. Times are in the practice's time zone (${result?.timeZone ?? props.ctx.practice?.time_zone}).`}{' '}
        Entries cannot be changed or deleted.
      </p>
      <form method="get" action={basePath} class="audit-filters" role="search" aria-label="Search the audit trail">
        <div class="field">
          <label for="action">Action</label>
          <input id="action" name="action" value={filters.action} list="audit-actions" maxlength={100} aria-describedby="action-hint" />
          <p class="hint" id="action-hint">Begins with, e.g. sign_in</p>
          <datalist id="audit-actions">
            {props.actions.map((a) => (
              <option value={a} />
            ))}
          </datalist>
        </div>
        <TextField label="Who (name, email or user number)" name="actor" value={filters.actor} maxlength={200} error={errors.actor} />
        <TextField label="Record type" name="record_type" value={filters.recordType} maxlength={60} hint="e.g. patient, ticket, user" error={errors.record_type} />
        <TextField label="Record number" name="record_id" value={filters.recordId} maxlength={60} error={errors.record_id} />
        <TextField label="From" name="from" type="date" value={filters.from} error={errors.from} />
        <TextField label="To" name="to" type="date" value={filters.to} error={errors.to} />
        {props.vendor ? <TextField label="Practice number" name="practice" value={filters.practice} inputmode="numeric" error={errors.practice} /> : null}
        <div class="actions">
          <button type="submit" class="primary">Search</button>
          <a href={basePath}>Clear</a>
        </div>
      </form>
      <AuditResults {...props} />
    </AppLayout>
  );
}

export function AuditResults(props: Props) {
  const { result, errors, basePath, filters } = props;
  if (!result) {
    return (
      <section id="audit-results" aria-live="polite">
        <p class="error-summary" role="alert">
          {Object.values(errors)[0] ?? 'Check the search fields.'}
        </p>
      </section>
    );
  }
  const pageLink = (page: number) => {
    const params = new URLSearchParams();
    if (filters.action) params.set('action', filters.action);
    if (filters.actor) params.set('actor', filters.actor);
    if (filters.recordType) params.set('record_type', filters.recordType);
    if (filters.recordId) params.set('record_id', filters.recordId);
    if (filters.from) params.set('from', filters.from);
    if (filters.to) params.set('to', filters.to);
    if (filters.practice) params.set('practice', filters.practice);
    params.set('page', String(page));
    return `${basePath}?${params.toString()}`;
  };
  return (
    <section id="audit-results" aria-live="polite">
      {result.rows.length === 0 ? (
        <p>No entries match.</p>
      ) : (
        <div class="table-wrap" tabindex={0} role="region" aria-label="Audit entries">
          <table class="list audit">
            <caption class="visually-hidden">Audit entries, newest first, page {result.page}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                {props.vendor ? <th scope="col">Practice</th> : null}
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Record</th>
                <th scope="col">From</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((r) => (
                <AuditRowView row={r} timeZone={result.timeZone} vendor={props.vendor} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {result.page > 1 ? <a href={pageLink(result.page - 1)}>Newer entries</a> : null}
        <span>Page {result.page}</span>
        {result.hasMore ? <a href={pageLink(result.page + 1)}>Older entries</a> : null}
      </nav>
    </section>
  );
}

function AuditRowView(props: { row: AuditRow; timeZone: string; vendor: boolean }) {
  const r = props.row;
  const when = format(r.at, 'yyyy-MM-dd HH:mm:ss', { in: tz(props.timeZone) });
  const who = r.actor_name ? `${r.actor_name} (${r.actor_email})` : ACTOR_KINDS[r.actor_kind] ?? r.actor_kind;
  const details = r.details && typeof r.details === 'object' && Object.keys(r.details).length ? JSON.stringify(r.details) : '';
  return (
    <tr>
      <td>
        <time datetime={r.at.toISOString()}>{when}</time>
      </td>
      {props.vendor ? <td>{r.practice_name ? `${r.practice_name} (#${r.practice_id})` : '—'}</td> : null}
      <td>{who}</td>
      <td>
        <code>{r.action}</code>
      </td>
      <td>{r.record_type ? `${r.record_type} ${r.record_id ?? ''}` : '—'}</td>
      <td>{r.ip ?? '—'}</td>
      <td class="details">{details}</td>
    </tr>
  );
}

const ACTOR_KINDS: Record<string, string> = {
  patient: 'A patient (portal)',
  system: 'The system',
  anonymous: 'Not signed in',
  staff: 'Staff member',
  vendor: 'StrataPT team member',
};
