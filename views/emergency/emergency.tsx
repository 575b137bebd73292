import { TransactionalOnlyGuidance } from '../components/transactional-only.tsx';
import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, TextArea, SelectField, Checkbox, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { PromotionalMatch } from '../../src/engagement/promotional-guard.ts';
import { PROMOTIONAL_REFUSAL, PATIENT_EMAIL_REPORT_PATH, channelLabel } from '../../src/engagement/labels.ts';
import { MESSAGE_MAX, REASONS, formatWindow } from '../../src/emergency/labels.ts';
import type { FinalTexts, NoticeSummary, RecipientPreview } from '../../src/emergency/notices.ts';
import { countOf, dateTimeFormat, formatCount } from '../../src/intl.ts';
import { TableScroll } from '../components/table-scroll.tsx';

export type ComposeValues = { reason?: string; window_start?: string; window_end?: string; message?: string; channels?: string[] };

export type EmergencyPageProps = {
  ctx: ViewContext;
  values: ComposeValues;
  errors: FieldErrors;
  promotional?: PromotionalMatch[];
  preview?: { result: RecipientPreview; requestKey: string };
  notices: NoticeSummary[];
  /** The exact texts for the values in the form, per chosen channel. */
  finalTexts: FinalTexts;
};


export function EmergencyPage(props: EmergencyPageProps) {
  const { ctx, values, errors, preview } = props;
  const tz = ctx.practice?.time_zone ?? 'UTC';
  const channels = values.channels ?? [];
  return (
    <AppLayout ctx={ctx} title="Emergency notifications">
      <h1>Emergency notifications</h1>
      <p>
        Tell patients whose appointments fall in an affected window that the clinic is closed. Only patients with a scheduled appointment in
        the window who are subscribed to emergency notifications receive it; there is no way to message all patients.
      </p>
      <TransactionalOnlyGuidance />
      <FormErrorSummary errors={errors} />
      {errors.form ? (
        <div class="blocked" role="alert">
          <p>{errors.form}</p>
        </div>
      ) : null}
      {props.promotional?.length ? <MarketingRefusal matches={props.promotional} /> : null}
      <Form csrf={ctx.csrf} action="/emergency/preview" class="stack emergency-compose">
        <SelectField
          label="Reason"
          name="reason"
          value={values.reason}
          error={errors.reason}
          options={[{ value: '', label: 'Choose…' }, ...Object.entries(REASONS).map(([value, label]) => ({ value, label }))]}
        />
        <p>
          <button type="submit" formaction="/emergency/starting-text" formnovalidate>
            Use the starting text for this reason
          </button>
          <span class="hint"> Replaces the message below with a starting text to edit.</span>
        </p>
        <fieldset>
          <legend>Affected window</legend>
          <p class="hint">Times in the practice’s time zone ({tz}).</p>
          <div class="row">
            <TextField label="From" name="window_start" type="datetime-local" value={values.window_start} error={errors.window_start} required />
            <TextField label="Until" name="window_end" type="datetime-local" value={values.window_end} error={errors.window_end} required />
          </div>
        </fieldset>
        <TextArea
          label="Message"
          name="message"
          value={values.message}
          error={errors.message}
          rows={4}
          maxlength={MESSAGE_MAX}
          required
          {...LIVE_PREVIEW}
          hx-trigger="input changed delay:300ms"
          hint={`Up to ${MESSAGE_MAX} characters. Say what is closed and how to reschedule; promotional wording is refused. The practice name goes first and the opt-out text last.`}
        />
        <fieldset class={errors.channels ? 'has-error' : undefined} aria-describedby={errors.channels ? 'channels-error' : undefined}>
          <legend>Send by</legend>
          <Checkbox label="Text" name="channels" value="sms" checked={channels.includes('sms')} hint="Texts sent between 9 PM and 8 AM wait until 8 AM." {...LIVE_PREVIEW} hx-trigger="change" />
          <Checkbox label="Email" name="channels" value="email" checked={channels.includes('email')} {...LIVE_PREVIEW} hx-trigger="change" />
          {errors.channels ? (
            <p class="field-error" id="channels-error">
              {errors.channels}
            </p>
          ) : null}
        </fieldset>
        <FinalTextPreview texts={props.finalTexts} />
        <button type="submit">Preview recipients</button>
      </Form>
      {preview ? <RecipientsPreview preview={preview.result} requestKey={preview.requestKey} values={values} tz={tz} csrf={ctx.csrf} /> : null}
      <NoticeHistory notices={props.notices} tz={tz} />
    </AppLayout>
  );
}

// With JavaScript, the exact texts follow the typing (htmx re-renders the part below from the
// server's one counter); without it, "Preview recipients" renders them with the recipients.
const LIVE_PREVIEW = { 'hx-post': '/emergency/final-text', 'hx-target': '#final-text', 'hx-swap': 'outerHTML' };

/** What each chosen channel will carry, word for word, with the text's characters and SMS segments. */
export function FinalTextPreview(props: { texts: FinalTexts }) {
  const { sms, email } = props.texts;
  return (
    <section id="final-text" class="final-text" aria-labelledby="final-text-heading">
      <h2 id="final-text-heading">What patients receive</h2>
      {!sms && !email ? <p class="muted">Choose text, email or both to see the exact messages.</p> : null}
      {sms ? (
        <div class="final-text-channel">
          <h3>Text message</h3>
          <pre class="message-text" data-testid="final-sms">{sms.text}</pre>
          <p class="counter" data-testid="sms-counter">
            {sms.count.characters} characters · {sms.count.segments} SMS {sms.count.segments === 1 ? 'segment' : 'segments'} ({sms.count.encoding}, up to{' '}
            {sms.count.perSegment} per segment)
          </p>
          {sms.count.encoding === 'UCS-2' ? (
            <p class="warning">
              {sms.count.nonGsm.map((c) => `“${c}”`).join(' ')} {sms.count.nonGsm.length === 1 ? 'is' : 'are'} not in the basic text alphabet, so each segment holds 70
              characters instead of 160. Replacing {sms.count.nonGsm.length === 1 ? 'it' : 'them'} (for example a curly ’ with a straight ') keeps the text shorter.
            </p>
          ) : null}
        </div>
      ) : null}
      {email ? (
        <div class="final-text-channel">
          <h3>Email</h3>
          <p>
            Subject: <strong data-testid="final-email-subject">{email.subject}</strong>
          </p>
          <pre class="message-text" data-testid="final-email">{email.body}</pre>
        </div>
      ) : null}
    </section>
  );
}

export function MarketingRefusal(props: { matches: PromotionalMatch[] }) {
  return (
    <section class="blocked marketing-refusal" role="alert" aria-labelledby="marketing-heading">
      <h2 id="marketing-heading">Marketing messages are not supported</h2>
      <p>
        Found: {props.matches.map((m, i) => (
          <>
            {i ? ', ' : ''}
            <strong>“{m.text}”</strong> ({m.rule})
          </>
        ))}
        .
      </p>
      <p>{PROMOTIONAL_REFUSAL}</p>
      <p>
        A staff member with reporting permissions can download the <a href={PATIENT_EMAIL_REPORT_PATH}>Patient Email Report</a> from the Reports area
        and import it into a marketing platform such as Mailchimp or Constant Contact.
      </p>
    </section>
  );
}

function RecipientsPreview(props: { preview: RecipientPreview; requestKey: string; values: ComposeValues; tz: string; csrf: string }) {
  const { preview, values, tz } = props;
  const n = preview.recipients.length;
  const time = dateTimeFormat('en-US', { timeZone: tz, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  return (
    <section class="card" aria-labelledby="preview-heading" id="preview">
      <h2 id="preview-heading">Recipients</h2>
      {n === 0 ? (
        <p class="warning" role="status">
          {preview.withAppointments === 0
            ? 'No patient has a scheduled appointment in this window. There is no one to notify, and nothing will be sent.'
            : `${preview.withAppointments} ${preview.withAppointments === 1 ? 'patient has' : 'patients have'} an appointment in this window, but none can be reached on the chosen channels. Nothing will be sent.`}
        </p>
      ) : (
        <>
          <p role="status">
            <strong>{countOf(n, 'patient', 'patients')}</strong>{' '}
            with appointments in this window will be notified: <strong>{formatCount(preview.counts.sms)}</strong> by text, <strong>{formatCount(preview.counts.email)}</strong> by email.
            {preview.unreachable
              ? ` ${formatCount(preview.unreachable)} more with appointments cannot be reached on the chosen channels (unsubscribed, opted out, or no contact).`
              : ''}
          </p>
          <TableScroll>
            <table class="list">
              <caption class="visually-hidden">Patients who will receive this notice</caption>
              <thead>
                <tr>
                  <th scope="col">Patient</th>
                  <th scope="col">Account</th>
                  <th scope="col">Appointment</th>
                  <th scope="col">Text</th>
                  <th scope="col">Email</th>
                </tr>
              </thead>
              <tbody>
                {preview.recipients.map((r) => (
                  <tr>
                    <td>
                      {r.lastName}, {r.firstName}
                    </td>
                    <td>{r.accountNumber}</td>
                    <td>
                      {time.format(r.firstAppointmentAt)}
                      {r.appointments > 1 ? ` (+${r.appointments - 1} more)` : ''}
                    </td>
                    <td>{r.sms ?? '—'}</td>
                    <td>{r.email ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Form csrf={props.csrf} action="/emergency" class="send-notice" data-confirm={`Send this notice to ${n} ${n === 1 ? 'patient' : 'patients'}?`}>
            <input type="hidden" name="request_key" value={props.requestKey} />
            <input type="hidden" name="reason" value={values.reason} />
            <input type="hidden" name="window_start" value={values.window_start} />
            <input type="hidden" name="window_end" value={values.window_end} />
            <input type="hidden" name="message" value={values.message} />
            {(values.channels ?? []).map((c) => (
              <input type="hidden" name="channels" value={c} />
            ))}
            <p class="muted">Sends the message as previewed above. To change it, edit the form and preview again.</p>
            <button type="submit" class="danger">
              Send to {n} {n === 1 ? 'patient' : 'patients'}
            </button>
          </Form>
        </>
      )}
    </section>
  );
}

function NoticeHistory(props: { notices: NoticeSummary[]; tz: string }) {
  if (!props.notices.length) return null;
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Sent notices</h2>
      <TableScroll>
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Sent</th>
              <th scope="col">Reason</th>
              <th scope="col">Window</th>
              <th scope="col">Recipients</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {props.notices.map((n) => (
              <tr>
                <td>
                  <a href={`/emergency/${n.id}`}>{formatSent(n.sent_at, props.tz)}</a>
                </td>
                <td>{REASONS[n.reason]}</td>
                <td>{formatWindow(n.window_start, n.window_end, props.tz)}</td>
                <td>
                  {n.recipients_sms} by text, {n.recipients_email} by email
                </td>
                <td>{n.sent_by}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

export function NoticePage(props: {
  ctx: ViewContext;
  notice: NoticeSummary;
  messages: { id: number; channel: string; recipient: string; status: string; cancel_reason: string | null; first_name: string; last_name: string; account_number: string; patient_id: number }[];
  justSent?: boolean;
}) {
  const { notice, ctx } = props;
  const tz = ctx.practice?.time_zone ?? 'UTC';
  return (
    <AppLayout ctx={ctx} title="Emergency notice">
      <p>
        <a href="/emergency">← Emergency notifications</a>
      </p>
      <h1>Emergency notice: {REASONS[notice.reason]}</h1>
      {props.justSent ? (
        <p class="notice" role="status">
          Sent: {notice.recipients_sms} by text and {notice.recipients_email} by email. Each message shows its delivery status below.
        </p>
      ) : null}
      <dl class="facts">
        <dt>Window</dt>
        <dd>{formatWindow(notice.window_start, notice.window_end, tz)}</dd>
        <dt>Channels</dt>
        <dd>{notice.channels.map(channelLabel).join(', ')}</dd>
        <dt>Sent</dt>
        <dd>
          {formatSent(notice.sent_at, tz)} by {notice.sent_by}
        </dd>
        <dt>Message</dt>
        <dd class="message-text">{notice.message}</dd>
      </dl>
      <h2>Messages</h2>
      <TableScroll>
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Account</th>
              <th scope="col">Channel</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {props.messages.map((m) => (
              <tr>
                <td>
                  {m.last_name}, {m.first_name}
                </td>
                <td>{m.account_number}</td>
                <td>{channelLabel(m.channel)}</td>
                <td>{m.recipient}</td>
                <td>
                  {m.status}
                  {m.cancel_reason ? ` (${m.cancel_reason})` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </AppLayout>
  );
}

function formatSent(at: Date, tz: string): string {
  return dateTimeFormat('en-US', { timeZone: tz, month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' }).format(at);
}
