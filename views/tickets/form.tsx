import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, TextArea, FieldError, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { CreateFormContext } from '../../src/tickets/create.ts';
import { TICKET_TYPES, SUBJECT_MAX } from '../../src/tickets/labels.ts';
import type { AudiencePreview } from '../../src/tickets/visible-to.ts';
import { ROLE_CHOICES, ACCEPT_ATTRIBUTE } from '../../src/tickets/labels.ts';
import type { PatientMatch } from '../../src/patients/search.ts';
import { patientLabel } from '../patients/format.ts';
import { OverdueBlockPanel, SUPPORT_PHONE } from './parts.tsx';

export type NewThreadProps = {
  ctx: ViewContext;
  form: CreateFormContext;
  values: Record<string, string | undefined>;
  errors: FieldErrors;
  patients: PatientMatch[];
  preview: AudiencePreview;
  similar: SimilarThread[];
};
export type SimilarThread = { id: number; subject: string };

export function NewThreadPage(props: NewThreadProps) {
  const { ctx, form, values, errors } = props;
  const tz = ctx.practice?.time_zone ?? 'UTC';
  return (
    <AppLayout ctx={ctx} title="Create New Message Thread">
      <h1>Create New Message Thread</h1>
      {form.block ? <OverdueBlockPanel block={form.block} timeZone={tz} /> : null}
      {form.hypercare ? (
        <div class="notice hypercare">
          <p>
            <strong>Your practice is in Hypercare</strong> (your first days after go-live): the <strong>Customer Success</strong> queue is the fastest way
            to reach your account manager{form.hypercare.accountManager ? <>, <strong>{form.hypercare.accountManager}</strong></> : null}. For urgent
            issues, create a ticket directly rather than waiting for your scheduled check-in call.
          </p>
        </div>
      ) : null}
      <FormErrorSummary errors={errors} />
      {errors.form ? <p class="field-error" role="alert">{errors.form}</p> : null}
      <Form csrf={ctx.csrf} action="/tickets" enctype="multipart/form-data" class="stack ticket-form" id="ticket-form">
        <TextField
          label="Subject"
          name="subject"
          value={values.subject}
          error={errors.subject}
          required
          maxlength={SUBJECT_MAX}
          autocomplete="off"
          hint="Search existing threads first: similar threads you can see appear below as you type."
          hx-get="/tickets/new/similar"
          hx-trigger="input changed delay:400ms"
          hx-include="#subject"
          hx-target="#similar"
          hx-swap="outerHTML"
        />
        <SimilarThreads threads={props.similar} />

        <div class="row">
          <div class="grow">
            <div class={errors.type ? 'field has-error' : 'field'}>
              <label for="type">Ticket type</label>
              <p class="hint" id="type-hint">The type routes your thread to the right team; sending it to the wrong one causes delays.</p>
              <select id="type" name="type" aria-describedby={errors.type ? 'type-hint type-error' : 'type-hint'} aria-invalid={errors.type ? 'true' : undefined}>
                <option value="" selected={!values.type}>Choose a type…</option>
                {TICKET_TYPES.map((t) => (
                  <option value={t.value} selected={values.type === t.value}>
                    {t.label}
                  </option>
                ))}
              </select>
              <FieldError name="type" error={errors.type} />
              <p class={values.type === 'feedback' ? 'feedback-note shown' : 'feedback-note'}>
                Ideas for future additions go to the <a href="/feedback">Feedback portal</a>, not a ticket. “Continue in the Feedback portal” at the end
                of this form takes your subject and message there.
              </p>
            </div>
            <TextArea label="Message" name="message" value={values.message} error={errors.message} required rows={8} maxlength={20000} />
          </div>
          <aside class="aside routing-guide" aria-labelledby="routing-guide-heading">
            <h2 id="routing-guide-heading">Routing Guide</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Issue Type</th>
                  <th scope="col">Route To</th>
                </tr>
              </thead>
              <tbody>
                {TICKET_TYPES.map((t) => (
                  <tr>
                    <td>{t.covers}</td>
                    <td>{t.value === 'feedback' ? <a href="/feedback">{t.label}</a> : t.label}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </aside>
        </div>

        <fieldset class="patient-link">
          <legend>Patient (optional)</legend>
          <p class="hint" id="patient-hint">
            When the question is about a specific patient, link that patient account so StrataPT can open the right record. If the patient has several
            accounts, choose the one you are asking about. The list shows active accounts; tick Show All if the patient does not appear.
          </p>
          <div class="patient-search">
            <label for="patient_q">Search patients by name, account number or date of birth</label>
            <input
              id="patient_q"
              name="patient_q"
              type="search"
              value={values.patient_q ?? ''}
              autocomplete="off"
              hx-get="/tickets/new/patients"
              hx-trigger="input changed delay:300ms, search"
              hx-include="#patient_q, #show_all, #patient_id"
              hx-target="#patient-picker"
              hx-swap="outerHTML"
            />
            <div class="field checkbox">
              <input
                type="checkbox"
                id="show_all"
                name="show_all"
                value="on"
                checked={!!values.show_all}
                hx-get="/tickets/new/patients"
                hx-trigger="change"
                hx-include="#patient_q, #show_all, #patient_id"
                hx-target="#patient-picker"
                hx-swap="outerHTML"
              />
              <label for="show_all">Show All (include inactive accounts)</label>
            </div>
            <button type="submit" name="intent" value="find_patient" formnovalidate class="find-patient">
              Search patients
            </button>
          </div>
          <PatientPicker patients={props.patients} selectedId={values.patient_id} error={errors.patient_id} />
        </fieldset>

        <div class={errors.visible_to ? 'field has-error' : 'field'}>
          <label for="visible_to">Visible To</label>
          <p class="hint" id="visible_to-hint">
            Choose a role to keep the thread visible to yourself and others. Choosing a person's name makes it visible to that person only.
          </p>
          <select
            id="visible_to"
            name="visible_to"
            aria-describedby={['visible_to-hint', errors.visible_to ? 'visible_to-error' : '', 'audience'].filter(Boolean).join(' ')}
            aria-invalid={errors.visible_to ? 'true' : undefined}
            hx-get="/tickets/new/audience"
            hx-trigger="change"
            hx-include="#visible_to, #admin_level"
            hx-target="#audience"
            hx-swap="outerHTML"
          >
            <option value="only_me" selected={values.visible_to === 'only_me'}>
              Only Me
            </option>
            <optgroup label="Roles">
              {ROLE_CHOICES.map((r) => (
                <option value={r.value} selected={values.visible_to === r.value}>
                  {r.label}
                </option>
              ))}
            </optgroup>
            <optgroup label="Staff members">
              {form.colleagues.map((c) => (
                <option value={`user:${c.id}`} selected={values.visible_to === `user:${c.id}`}>
                  {c.id === ctx.actor.id ? `${c.name} (you)` : c.name}
                </option>
              ))}
            </optgroup>
          </select>
          <FieldError name="visible_to" error={errors.visible_to} />
          <AudiencePanel preview={props.preview} />
        </div>

        {form.mayCreateAdminLevel ? (
          <div class="field checkbox">
            <input
              type="checkbox"
              id="admin_level"
              name="admin_level"
              value="on"
              checked={!!values.admin_level}
              aria-describedby="admin_level-hint"
              hx-get="/tickets/new/audience"
              hx-trigger="change"
              hx-include="#visible_to, #admin_level"
              hx-target="#audience"
              hx-swap="outerHTML"
            />
            <label for="admin_level">Admin-level thread</label>
            <p class="hint" id="admin_level-hint">
              Account-level matters: only Practice Administrators and Business Owners can see it, whatever Visible To says.
            </p>
            <FieldError name="admin_level" error={errors.admin_level} />
          </div>
        ) : (
          <FieldError name="admin_level" error={errors.admin_level} />
        )}

        <div class={errors.files ? 'field has-error' : 'field'}>
          <label for="files">Attachments (optional)</label>
          <p class="hint" id="files-hint">PDF, images, CSV or text files, up to 10 MB each, at most 5.{errors.files ? ' Attach the files again.' : ''}</p>
          <input id="files" name="files[]" type="file" multiple accept={ACCEPT_ATTRIBUTE} aria-describedby={errors.files ? 'files-hint files-error' : 'files-hint'} />
          <FieldError name="files" error={errors.files} />
        </div>

        <div class="actions">
          <button type="submit" class="primary" name="intent" value="create" disabled={!!form.block} aria-describedby={form.block ? 'overdue-block' : undefined}>
            Create Thread
          </button>{' '}
          <button
            type="submit"
            class={values.type === 'feedback' ? 'primary feedback-handoff shown' : 'primary feedback-handoff'}
            formaction="/feedback/new"
            formenctype="application/x-www-form-urlencoded"
            formnovalidate
          >
            Continue in the Feedback portal
          </button>{' '}
          <button type="submit" name="intent" value="preview" formnovalidate>
            Check who can see it
          </button>{' '}
          <a href="/tickets">Cancel</a>
        </div>
        <p class="muted">For anything urgent you can also call StrataPT support at {SUPPORT_PHONE}.</p>
      </Form>
    </AppLayout>
  );
}

/** The patient dropdown; the page and the type-to-search fragment render the same element. */
export function PatientPicker(props: { patients: PatientMatch[]; selectedId?: string; error?: string }) {
  const { patients, selectedId, error } = props;
  return (
    <div id="patient-picker" class={error ? 'field has-error' : 'field'}>
      <label for="patient_id">Patient account</label>
      <select
        id="patient_id"
        name="patient_id"
        aria-describedby={error ? 'patient-hint patient_id-error' : 'patient-hint'}
        aria-invalid={error ? 'true' : undefined}
      >
        <option value="" selected={!selectedId}>
          No patient linked
        </option>
        {patients.map((p) => (
          <option value={String(p.id)} selected={selectedId === String(p.id)}>
            {patientLabel(p)}
          </option>
        ))}
      </select>
      <p class="meta" aria-live="polite">
        {patients.length ? `${patients.length} account${patients.length === 1 ? '' : 's'} listed.` : 'No matching account.'}
      </p>
      <FieldError name="patient_id" error={error} />
    </div>
  );
}

/** Who will see the thread, updated as Visible To changes; the plain warning when you will not. */
export function AudiencePanel(props: { preview: AudiencePreview }) {
  const { audience, creatorLosesAccess, namedPerson, problem } = props.preview;
  return (
    <div id="audience" class="audience" aria-live="polite">
      {problem ? (
        <p class="field-error">{problem}</p>
      ) : (
        <>
          <p>
            <strong>Who will be able to see this thread:</strong> {audience.map((a) => a.name).join(', ')} ({audience.length}{' '}
            {audience.length === 1 ? 'person' : 'people'}).
          </p>
          {creatorLosesAccess ? (
            <p class="warning visibility-warning">
              <strong>You will no longer see this thread after you create it.</strong> Only {namedPerson?.name ?? 'the people listed'} will be able to see
              it. To keep it visible to yourself as well, choose a role such as Anyone in Practice instead of a name.
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}

export function SimilarThreads(props: { threads: SimilarThread[] }) {
  return (
    <div id="similar" class="similar" aria-live="polite">
      {props.threads.length ? (
        <>
          <p>
            <strong>Already asked?</strong> These threads you can see have a similar subject:
          </p>
          <ul class="link-list">
            {props.threads.map((t) => (
              <li>
                <a href={`/tickets/${t.id}`} target="_blank" rel="noopener">
                  {t.subject}
                </a>{' '}
                <span class="meta">#{t.id}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
