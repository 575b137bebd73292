import { AppLayout } from '../layouts/app.tsx';
import { Form, FormErrorSummary, SelectField, FieldError, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { IMPORT_COLUMNS, IMPORT_KINDS } from '../../src/imports/labels.ts';
import type { ImportRow } from '../../src/imports/imports.ts';
import { formatDateTime } from '../patients/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { countOf, formatCount } from '../../src/intl.ts';

const STATUS: Record<ImportRow['status'], string> = {
  validating: 'Checking rows',
  saving: 'Saving',
  committed: 'Imported',
  rejected: 'Rejected: nothing was saved',
  failed: 'Failed',
};

export function ImportPage(props: { ctx: ViewContext; imports: ImportRow[]; values: Record<string, string | undefined>; errors: FieldErrors }) {
  const tz = props.ctx.practice?.time_zone ?? 'UTC';
  return (
    <AppLayout ctx={props.ctx} title="Import">
      <p class="breadcrumb">
        <a href="/patients">Patients</a> › Import
      </p>
      <h1>Import patients, ledger entries or appointments</h1>
      <p>
        Upload a CSV file with a header row. Every row is checked first; if any row is rejected, nothing in the file is saved and
        you get a report of the rejected rows and why. Uploading the same file again adds nothing, and rows whose account number or
        external reference already exists are skipped.
      </p>
      <FormErrorSummary errors={props.errors} />
      <Form csrf={props.ctx.csrf} action="/patients/import" enctype="multipart/form-data" class="stack card" hx-boost="false">
        <SelectField
          label="The file contains"
          name="kind"
          value={props.values.kind}
          options={Object.entries(IMPORT_KINDS).map(([value, label]) => ({ value, label }))}
          error={props.errors.kind}
        />
        <div class={props.errors.file ? 'field has-error' : 'field'}>
          <label for="file">CSV file</label>
          <p class="hint" id="file-hint">Up to 20 MB. Import patients before their ledger entries and appointments.</p>
          <input id="file" name="file" type="file" accept=".csv,text/csv" required aria-describedby={props.errors.file ? 'file-hint file-error' : 'file-hint'} aria-invalid={props.errors.file ? 'true' : undefined} />
          <FieldError name="file" error={props.errors.file} />
        </div>
        <button type="submit" class="primary">
          Upload and import
        </button>
      </Form>

      <h2>Columns</h2>
      <TableScroll>
        <table>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Required columns</th>
              <th scope="col">Optional columns</th>
              <th scope="col">Template</th>
            </tr>
          </thead>
          <tbody>
            {(Object.keys(IMPORT_KINDS) as (keyof typeof IMPORT_KINDS)[]).map((k) => (
              <tr>
                <th scope="row">{IMPORT_KINDS[k]}</th>
                <td>
                  <code>{IMPORT_COLUMNS[k].required.join(', ')}</code>
                </td>
                <td>
                  <code>{IMPORT_COLUMNS[k].optional.join(', ')}</code>
                </td>
                <td>
                  <a href={`/patients/import/templates/${k}.csv`} hx-boost="false" download>
                    {IMPORT_KINDS[k]} template
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <p class="hint">
        Dates as YYYY-MM-DD (dates of birth also MM/DD/YYYY); appointment times as YYYY-MM-DD HH:MM in the practice’s time zone or ISO 8601;
        amounts in dollars as positive numbers, with kind responsibility, payment or adjustment. A patient’s
        preferred_language (header “Preferred Language”) is English or Spanish (or en, es); blank is English, and the
        patient’s texts, emails, statements and portal are in it.
      </p>

      <h2>Recent imports</h2>
      {props.imports.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <TableScroll>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">File</th>
                <th scope="col">Contains</th>
                <th scope="col">By</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {props.imports.map((i) => (
                <tr>
                  <td>{formatDateTime(i.created_at, tz)}</td>
                  <td>
                    <a href={`/patients/import/${i.id}`}>{i.filename}</a>
                  </td>
                  <td>{IMPORT_KINDS[i.kind]}</td>
                  <td>{i.created_by_name ?? ''}</td>
                  <td>
                    {STATUS[i.status]}
                    {i.status === 'committed' ? ` (${formatCount(i.inserted_rows)} added, ${formatCount(i.existing_rows)} already present)` : ''}
                    {i.status === 'rejected' ? ` (${countOf(i.rejected_rows, 'row', 'rows')} rejected)` : ''}
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

export function ImportStatusPage(props: { ctx: ViewContext; imp: ImportRow; again: boolean }) {
  const { imp } = props;
  return (
    <AppLayout ctx={props.ctx} title={`Import ${imp.filename}`}>
      <p class="breadcrumb">
        <a href="/patients">Patients</a> › <a href="/patients/import">Import</a> › {imp.filename}
      </p>
      <h1>
        Import of {imp.filename} <span class="meta">({IMPORT_KINDS[imp.kind]})</span>
      </h1>
      {props.again ? (
        <p class="notice" role="status">
          This exact file was already imported; nothing was added again.
        </p>
      ) : null}
      <ImportProgress imp={imp} />
    </AppLayout>
  );
}

/** The status block: polled every second by htmx while the import runs, final once it is done. */
export function ImportProgress(props: { imp: ImportRow }) {
  const { imp } = props;
  const running = imp.status === 'validating' || imp.status === 'saving';
  const poll = running ? { 'hx-get': `/patients/import/${imp.id}/status`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' } : {};
  return (
    <section id="import-progress" class="card" aria-live="polite" data-status={imp.status} {...poll}>
      <p>
        <strong>{STATUS[imp.status]}</strong>
      </p>
      {running ? (
        <>
          {imp.status === 'validating' ? (
            <>
              <label for="import-bar">
                {formatCount(imp.processed_rows)} of about {countOf(imp.total_rows, 'row', 'rows')} checked
              </label>
              <progress id="import-bar" max={Math.max(imp.total_rows, 1)} value={imp.processed_rows}>
                {formatCount(imp.processed_rows)} of {formatCount(imp.total_rows)}
              </progress>
              <p class="hint">
                {imp.leased_by === null && imp.processed_rows === 0
                  ? 'Waiting for a worker to pick the file up (a few seconds). '
                  : ''}
                Next: every row is checked before anything is saved. If a row is rejected, nothing is saved and you get a report;
                otherwise the rows are saved. You can leave this page: the import carries on, even if the server restarts.
              </p>
            </>
          ) : (
            <>
              <label for="import-bar">
                {formatCount(imp.saved_rows)} of {countOf(imp.accepted_rows, 'row', 'rows')} saved ({formatCount(imp.processed_rows)} checked, none rejected)
              </label>
              <progress id="import-bar" max={Math.max(imp.accepted_rows, 1)} value={imp.saved_rows}>
                {formatCount(imp.saved_rows)} of {formatCount(imp.accepted_rows)}
              </progress>
              <p class="hint">
                Every row passed its check. Next: the rest are saved in batches; rows already present are skipped. You can leave
                this page: the import carries on, even if the server restarts.
              </p>
            </>
          )}
          <noscript>
            <p>
              <a href={`/patients/import/${imp.id}`}>Refresh</a> to see progress.
            </p>
          </noscript>
        </>
      ) : null}
      {imp.status === 'committed' ? (
        <p>
          {countOf(imp.inserted_rows, 'row', 'rows')} added; {formatCount(imp.existing_rows)} already present and skipped.{' '}
          <a href="/patients">Go to Patients</a>
        </p>
      ) : null}
      {imp.status === 'rejected' || imp.status === 'failed' ? (
        <>
          <p>
            {imp.status === 'rejected'
              ? `${countOf(imp.rejected_rows, 'row was', 'rows were')} rejected, so nothing in the file was saved. Correct the rows and upload the file again.`
              : imp.inserted_rows
                ? `${countOf(imp.inserted_rows, 'new row was', 'new rows were')} saved before it stopped; upload the file again to save the rest (rows already present are skipped).`
                : 'Nothing in the file was saved.'}
          </p>
          {imp.errors.length ? (
            <>
              <p>
                <a class="button" href={`/patients/import/${imp.id}/report.csv`} hx-boost="false" download>
                  Download the report of rejected rows (CSV)
                </a>
              </p>
              <TableScroll>
                <table>
                  <caption>Rejected rows{imp.errors.length > 100 ? ' (the first 100; the report has all)' : ''}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Row</th>
                      <th scope="col">Column</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {imp.errors.slice(0, 100).map((e) => (
                      <tr>
                        <td>{e.row || ''}</td>
                        <td>{e.field}</td>
                        <td>{e.problem}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
