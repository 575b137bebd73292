import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, TextArea, SelectField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import { PatientMenu } from './menu.tsx';
import { formatDateTime, formatDob } from './format.ts';
import type { ViewContext } from '../../src/web/context.ts';
import type { PatientAccount } from '../../src/patients/patients.ts';
import type { Patient } from '../../src/db/schema.ts';
import { DESK_KINDS, LEDGER_KINDS } from '../../src/ledger/labels.ts';
import type { CaseLedger } from '../../src/ledger/ledger.ts';
import { formatCents } from '../../src/intl.ts';
import { formatPhone } from '../../src/intl.ts';
import { REMINDER_ANSWER_LABELS } from '../../src/reminders/labels.ts';
import { LANGUAGE_LABELS } from '../../src/patients/labels.ts';
import { TableScroll } from '../components/table-scroll.tsx';

const APPOINTMENT_STATUS: Record<string, string> = { scheduled: 'Scheduled', cancelled: 'Cancelled', completed: 'Completed', no_show: 'No show' };

/** The heading every tab of an account shares: name, date of birth, account number, status. */
export function PatientHeader(props: { patient: Patient }) {
  const p = props.patient;
  return (
    <div class="patient-header">
      <h1>
        {p.last_name}, {p.first_name}
      </h1>
      <p class="meta">
        DOB {formatDob(p.date_of_birth)} · Account {p.account_number} · {p.status === 'active' ? 'Active' : <strong>Inactive</strong>}
      </p>
    </div>
  );
}

export function PatientAccountPage(props: {
  ctx: ViewContext;
  account: PatientAccount;
  today: string;
  posting: { values: Record<string, string | undefined>; errors: FieldErrors };
  notice?: string;
}) {
  const { patient, ledger, appointments, cases } = props.account;
  const tz = props.ctx.practice?.time_zone ?? 'UTC';
  const { values, errors } = props.posting;
  const openCases = cases.filter((c) => !c.closed_on);
  const caseOptions = [...openCases, ...cases.filter((c) => c.closed_on)].map((c) => ({ value: String(c.id), label: c.closed_on ? `${c.title} (closed)` : c.title }));
  return (
    <AppLayout ctx={props.ctx} title={`${patient.last_name}, ${patient.first_name}`}>
      <PatientHeader patient={patient} />
      <PatientMenu patientId={patient.id} active="info" />
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <div class="row">
        <section class="grow card" aria-labelledby="info-heading">
          <h2 id="info-heading">Patient Info</h2>
          <dl class="facts">
            <dt>Mobile phone</dt>
            <dd>{patient.mobile_phone ? formatPhone(patient.mobile_phone) : '—'}</dd>
            <dt>Email</dt>
            <dd>{patient.email ?? '—'}</dd>
            <dt>Address</dt>
            <dd>{address(patient.address_line1, patient.address_line2, patient.city, patient.state, patient.postal_code) ?? '—'}</dd>
            <dt>Alternate statement address</dt>
            <dd>{address(patient.alt_address_line1, patient.alt_address_line2, patient.alt_city, patient.alt_state, patient.alt_postal_code) ?? 'None (statements go to the address above)'}</dd>
            <dt>Statement delivery</dt>
            <dd>{patient.statement_delivery === 'electronic' ? 'Electronic (email with a portal link)' : 'Mail'}</dd>
            <dt>Preferred language</dt>
            <dd>{LANGUAGE_LABELS[patient.preferred_language]}</dd>
          </dl>
          <p>
            <a class="button" href={`/patients/${patient.id}/edit`}>
              Edit Patient Info
            </a>
          </p>
        </section>
        <section class="aside balance-summary" aria-labelledby="balance-heading">
          <h2 id="balance-heading">Balance</h2>
          <p class="balance" data-testid="patient-balance">
            {formatCents(ledger.balance_cents)}
          </p>
          <p class="meta">
            Responsibility {formatCents(ledger.responsibility_cents)} · Payments {formatCents(ledger.payments_cents)} · Adjustments {formatCents(ledger.adjustments_cents)}
            {ledger.refunds_cents ? ` · Refunds ${formatCents(ledger.refunds_cents)}` : ''}
          </p>
        </section>
      </div>

      <section class="card" aria-labelledby="post-heading" id="record">
        <h2 id="post-heading">Record a patient responsibility or payment</h2>
        {cases.length === 0 ? (
          <p>This account has no case yet; a ledger entry belongs to a case.</p>
        ) : (
          <>
            <FormErrorSummary errors={errors} />
            <Form csrf={props.ctx.csrf} action={`/patients/${patient.id}/ledger-entries`} class="posting-form">
              <SelectField
                label="What"
                name="kind"
                value={values.kind ?? 'responsibility'}
                options={DESK_KINDS.map((value) => ({ value, label: LEDGER_KINDS[value] }))}
                error={errors.kind}
              />
              <SelectField label="Case" name="case_id" value={values.case_id ?? caseOptions[0]?.value} options={caseOptions} error={errors.case_id} />
              <TextField label="Amount ($)" name="amount" value={values.amount} error={errors.amount} inputmode="decimal" required placeholder="100.00" />
              <TextField label="Date" name="posted_on" type="date" value={values.posted_on ?? props.today} max={props.today} error={errors.posted_on} required />
              <TextArea label="Note (optional)" name="note" rows={2} value={values.note} error={errors.note} maxlength={500} />
              <button type="submit" class="primary">
                Record
              </button>
            </Form>
          </>
        )}
      </section>

      <section aria-labelledby="ledger-heading" id="ledger">
        <h2 id="ledger-heading">Cases and ledger</h2>
        {props.account.payments.held.map((h) => (
          <p class="blocked" role="status">
            An online payment of this patient is held for review: {h.review_reason ?? 'it does not match its request'}.{' '}
            <a href={`/settings/payments/held/${h.id}`}>Post or refund it</a>
          </p>
        ))}
        {ledger.cases.length === 0 ? (
          <p>No cases.</p>
        ) : (
          ledger.cases.map((c) => <CaseLedgerTable c={c} tz={tz} patientId={patient.id} refundable={props.account.payments.refundable} />)
        )}
      </section>

      <section aria-labelledby="appointments-heading">
        <h2 id="appointments-heading">Appointments</h2>
        {appointments.length === 0 ? (
          <p>No appointments.</p>
        ) : (
          <TableScroll>
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Location</th>
                  <th scope="col">Status</th>
                  <th scope="col">Reminder answer</th>
                </tr>
              </thead>
              <tbody>
                {appointments.map((a) => (
                  <tr class={a.status === 'cancelled' ? 'inactive' : undefined}>
                    <td>{formatDateTime(a.starts_at, tz)}</td>
                    <td>{a.provider_name}</td>
                    <td>{a.location}</td>
                    <td>{APPOINTMENT_STATUS[a.status] ?? a.status}</td>
                    <td>{a.status === 'scheduled' ? REMINDER_ANSWER_LABELS[a.answer] : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
    </AppLayout>
  );
}

function CaseLedgerTable(props: { c: CaseLedger; tz: string; patientId: number; refundable: number[] }) {
  const { c, tz } = props;
  return (
    <div class="case-ledger">
      <h3>
        {c.title} <span class="meta">opened {formatDob(c.opened_on)}{c.closed_on ? `, closed ${formatDob(c.closed_on)}` : ''}</span>
      </h3>
      <TableScroll>
        <table>
          <thead>
            <tr>
              <th scope="col">Posted</th>
              <th scope="col">Entry</th>
              <th scope="col">Note</th>
              <th scope="col" class="num">Amount</th>
              <th scope="col" class="num">Balance</th>
              <th scope="col">Recorded</th>
            </tr>
          </thead>
          <tbody>
            {c.entries.length === 0 ? (
              <tr>
                <td colspan={6}>No entries.</td>
              </tr>
            ) : (
              c.entries.map((e) => (
                <tr>
                  <td>{formatDateTime(e.posted_at, tz)}</td>
                  <td>
                    {LEDGER_KINDS[e.kind]}
                    {props.refundable.includes(e.id) ? (
                      <>
                        {' '}
                        · <a href={`/patients/${props.patientId}/payments/${e.id}/refunds/new`}>Refund</a>
                      </>
                    ) : null}
                  </td>
                  <td>{e.note ?? ''}</td>
                  <td class="num">{e.delta_cents >= 0 ? formatCents(e.amount_cents) : `−${formatCents(e.amount_cents)}`}</td>
                  <td class="num">{formatCents(e.running_cents)}</td>
                  <td class="meta">
                    {e.created_by_name ?? sourceLabel(e.source)} · {formatDateTime(e.created_at, tz)}
                  </td>
                </tr>
              ))
            )}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colspan={3}>
                Responsibility {formatCents(c.responsibility_cents)} · Payments {formatCents(c.payments_cents)} · Adjustments {formatCents(c.adjustments_cents)}
                {c.refunds_cents ? ` · Refunds ${formatCents(c.refunds_cents)}` : ''}
              </th>
              <td class="num" colspan={2}>
                <strong>Balance {formatCents(c.balance_cents)}</strong>
              </td>
              <td></td>
            </tr>
          </tfoot>
        </table>
      </TableScroll>
    </div>
  );
}

function sourceLabel(source: string): string {
  switch (source) {
    case 'import':
      return 'CSV import';
    case 'portal':
    case 'authorize.net':
      return 'Patient portal (online payment)';
    case 'demo':
      return 'Demo data';
    default:
      return 'System';
  }
}

function address(l1: string | null, l2: string | null, city: string | null, state: string | null, zip: string | null): string | null {
  if (!l1 && !city) return null;
  return [l1, l2, [city, [state, zip].filter(Boolean).join(' ')].filter(Boolean).join(', ')].filter(Boolean).join(', ');
}

/** Patient Info as a form: demographics, contact, addresses, statement delivery. */
export function PatientInfoFormPage(props: { ctx: ViewContext; patient: Patient; values: Record<string, string | undefined>; errors: FieldErrors }) {
  const { patient, values, errors } = props;
  return (
    <AppLayout ctx={props.ctx} title={`Edit Patient Info · ${patient.last_name}, ${patient.first_name}`}>
      <PatientHeader patient={patient} />
      <PatientMenu patientId={patient.id} active="info" />
      <h2>Edit Patient Info</h2>
      <FormErrorSummary errors={errors} />
      <Form csrf={props.ctx.csrf} action={`/patients/${patient.id}`} class="stack patient-info-form">
        <fieldset>
          <legend>Demographics</legend>
          <TextField label="First name" name="first_name" value={values.first_name} error={errors.first_name} required maxlength={100} autocomplete="off" />
          <TextField label="Last name" name="last_name" value={values.last_name} error={errors.last_name} required maxlength={100} autocomplete="off" />
          <TextField label="Date of birth" name="date_of_birth" type="date" value={values.date_of_birth} error={errors.date_of_birth} required />
          <SelectField label="Status" name="status" value={values.status} options={[{ value: 'active', label: 'Active' }, { value: 'inactive', label: 'Inactive' }]} error={errors.status} />
        </fieldset>
        <fieldset>
          <legend>Contact</legend>
          <TextField label="Mobile phone" name="mobile_phone" type="tel" value={values.mobile_phone} error={errors.mobile_phone} hint="Used for texts the patient subscribes to on Patient Engagement." autocomplete="off" />
          <TextField label="Email" name="email" type="email" value={values.email} error={errors.email} autocomplete="off" />
        </fieldset>
        <fieldset>
          <legend>Demographic address</legend>
          <TextField label="Street address" name="address_line1" value={values.address_line1} error={errors.address_line1} autocomplete="off" />
          <TextField label="Address line 2" name="address_line2" value={values.address_line2} error={errors.address_line2} autocomplete="off" />
          <TextField label="City" name="city" value={values.city} error={errors.city} autocomplete="off" />
          <TextField label="State" name="state" value={values.state} error={errors.state} maxlength={2} autocomplete="off" />
          <TextField label="ZIP code" name="postal_code" value={values.postal_code} error={errors.postal_code} autocomplete="off" />
        </fieldset>
        <fieldset>
          <legend>Alternate statement address</legend>
          <p class="hint">Only when mailed statements should go somewhere else. Balance alerts never use it: they go to the contact on Patient Engagement.</p>
          <TextField label="Street address" name="alt_address_line1" value={values.alt_address_line1} error={errors.alt_address_line1} autocomplete="off" />
          <TextField label="Address line 2" name="alt_address_line2" value={values.alt_address_line2} error={errors.alt_address_line2} autocomplete="off" />
          <TextField label="City" name="alt_city" value={values.alt_city} error={errors.alt_city} autocomplete="off" />
          <TextField label="State" name="alt_state" value={values.alt_state} error={errors.alt_state} maxlength={2} autocomplete="off" />
          <TextField label="ZIP code" name="alt_postal_code" value={values.alt_postal_code} error={errors.alt_postal_code} autocomplete="off" />
        </fieldset>
        <SelectField
          label="Statement delivery"
          name="statement_delivery"
          value={values.statement_delivery}
          options={[{ value: 'mail', label: 'Mail' }, { value: 'electronic', label: 'Electronic (email with a portal link)' }]}
          error={errors.statement_delivery}
        />
        <SelectField
          label="Preferred language"
          name="preferred_language"
          value={values.preferred_language}
          options={Object.entries(LANGUAGE_LABELS).map(([value, label]) => ({ value, label }))}
          error={errors.preferred_language}
          hint="Texts, emails, statements and the portal are in this language."
        />
        <button type="submit" class="primary">
          Save
        </button>
        <a href={`/patients/${patient.id}`}>Cancel</a>
      </Form>
    </AppLayout>
  );
}

/** The form's starting values: what is stored, phones shown the way staff type them. */
export function patientInfoValues(p: Patient): Record<string, string> {
  return {
    first_name: p.first_name,
    last_name: p.last_name,
    date_of_birth: p.date_of_birth,
    status: p.status,
    mobile_phone: p.mobile_phone ? formatPhone(p.mobile_phone) : '',
    email: p.email ?? '',
    address_line1: p.address_line1 ?? '',
    address_line2: p.address_line2 ?? '',
    city: p.city ?? '',
    state: p.state ?? '',
    postal_code: p.postal_code ?? '',
    alt_address_line1: p.alt_address_line1 ?? '',
    alt_address_line2: p.alt_address_line2 ?? '',
    alt_city: p.alt_city ?? '',
    alt_state: p.alt_state ?? '',
    alt_postal_code: p.alt_postal_code ?? '',
    statement_delivery: p.statement_delivery,
    preferred_language: p.preferred_language,
  };
}
