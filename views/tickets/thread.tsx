import { AppLayout } from '../layouts/app.tsx';
import { Form, TextArea, FieldError, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { DEPARTMENT_LABEL, STATUS_LABEL } from '../../src/tickets/labels.ts';
import type { ConversationMessage } from '../../src/tickets/conversation.ts';
import type { TicketDetail } from '../../src/tickets/visibility.ts';
import { ROLE_CHOICES, ACCEPT_ATTRIBUTE } from '../../src/tickets/labels.ts';
import { patientLabel } from '../patients/format.ts';
import { liveAttributes } from '../components/live.tsx';
import { DeadlineCountdown, formatLocal, SUPPORT_PHONE } from './parts.tsx';
import type { Countdown } from '../../src/tickets/countdown.ts';

export function ThreadPage(props: {
  ctx: ViewContext;
  ticket: TicketDetail;
  messages: ConversationMessage[];
  now: Date;
  countdown: Countdown | null;
  values: Record<string, string | undefined>;
  errors: FieldErrors;
}) {
  const { ctx, ticket, messages, now, values, errors } = props;
  const tz = ticket.time_zone;
  const overdue = props.countdown?.tone === 'overdue';
  const visibleTo =
    ticket.visibility === 'only_me'
      ? `Only ${ticket.creator_name}`
      : ticket.visibility === 'person'
        ? (ticket.named_person ?? 'one person')
        : ticket.visibility === 'anyone'
          ? 'Anyone in Practice'
          : `${ROLE_CHOICES.find((r) => r.value === ticket.visibility)?.label}, and ${ticket.creator_name} who opened it`;
  return (
    <AppLayout ctx={ctx} title={`Ticket #${ticket.id}`}>
      <p>
        <a href="/tickets">← Get Help</a>
      </p>
      <h1>
        {ticket.subject} <span class="meta">#{ticket.id}</span> {overdue ? <span class="overdue">Overdue</span> : null}
      </h1>
      <dl class="ticket-facts">
        <div>
          <dt>Status</dt>
          <dd>{STATUS_LABEL[ticket.status]}</dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>{DEPARTMENT_LABEL[ticket.department]}</dd>
        </div>
        <div>
          <dt>Patient</dt>
          <dd>{ticket.patient ? patientLabel(ticket.patient) : 'None linked'}</dd>
        </div>
        <div>
          <dt>Visible To</dt>
          <dd>
            {visibleTo}
            {ticket.admin_level ? ' (admin-level: Practice Administrators and above only)' : ''}
          </dd>
        </div>
        <div>
          <dt>Opened</dt>
          <dd>
            {formatLocal(ticket.created_at, tz)} by {ticket.created_by_side === 'vendor' ? 'StrataPT' : ticket.creator_name}
          </dd>
        </div>
        {ticket.response_due_at ? (
          <div>
            <dt>Response required by</dt>
            <dd class={overdue ? 'due overdue-text' : 'due'}>
              {formatLocal(ticket.response_due_at, tz)} {props.countdown ? <DeadlineCountdown countdown={props.countdown} timeZone={tz} /> : null}
            </dd>
          </div>
        ) : null}
      </dl>
      {overdue ? (
        <p class="blocked">
          StrataPT required a response on this thread and none has been received. Until someone replies, nobody at your practice can start a new
          thread. Reply below to clear it.
        </p>
      ) : null}

      <ClosureControls ctx={ctx} ticket={ticket} error={errors.closure} timeZone={tz} />

      <h2>Conversation</h2>
      <Conversation ticket={ticket} messages={messages} timeZone={tz} />

      <h2 id="reply-heading">Reply</h2>
      {ticket.status === 'closed' ? <p class="muted">This thread is closed. Replying reopens it.</p> : null}
      <FormErrorSummary errors={{ ...errors, closure: undefined }} />
      <Form csrf={ctx.csrf} action={`/tickets/${ticket.id}/messages`} enctype="multipart/form-data" class="stack" aria-labelledby="reply-heading">
        <TextArea label="Your reply" name="message" value={values.message} error={errors.message} required rows={6} maxlength={20000} />
        <div class={errors.files ? 'field has-error' : 'field'}>
          <label for="files">Attachments (optional)</label>
          <p class="hint" id="files-hint">PDF, images, CSV or text files, up to 10 MB each, at most 5.{errors.files ? ' Attach the files again.' : ''}</p>
          <input id="files" name="files[]" type="file" multiple accept={ACCEPT_ATTRIBUTE} aria-describedby={errors.files ? 'files-hint files-error' : 'files-hint'} />
          <FieldError name="files" error={errors.files} />
        </div>
        <button type="submit" class="primary">
          Send reply
        </button>
      </Form>
      <p class="muted">StrataPT support is also available by phone at {SUPPORT_PHONE}.</p>
    </AppLayout>
  );
}

/** The messages, oldest first; the fragment live updates swap in when someone replies. */
export function Conversation(props: { ticket: { id: number }; messages: ConversationMessage[]; timeZone: string }) {
  const { ticket, messages, timeZone: tz } = props;
  return (
    <ol class="messages" id="conversation" {...liveAttributes(`/tickets/${ticket.id}/conversation`)}>
      {messages.map((m) => (
        <li class={m.author_side} id={`message-${m.id}`}>
          <p class="meta">
            <strong>{m.author_side === 'vendor' ? `${m.author_name} (StrataPT)` : m.author_name}</strong> · {formatLocal(m.created_at, tz)}
            {m.response_window_hours ? ` · response requested within ${windowLabel(m.response_window_hours)}` : ''}
          </p>
          <div class="body">
            {m.body.split(/\n{2,}/).map((para) => (
              <p class="pre-line">{para}</p>
            ))}
          </div>
          {m.attachments.length ? (
            <ul class="attachments">
              {m.attachments.map((a) => (
                <li>
                  <a href={`/tickets/${ticket.id}/attachments/${a.id}`} hx-boost="false">{a.filename}</a> <span class="meta">({formatSize(a.size_bytes)})</span>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** Mark resolved / Reopen: whoever may reply may do either; a required response is answered first. */
function ClosureControls(props: { ctx: ViewContext; ticket: TicketDetail; error?: string; timeZone: string }) {
  const { ctx, ticket } = props;
  const base = `/tickets/${ticket.id}/closure`;
  return (
    <div class="closure" id="closure">
      {props.error ? (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      ) : null}
      {ticket.status === 'closed' ? (
        <Form csrf={ctx.csrf} action={`${base}/delete`} class="inline">
          <span>Closed{ticket.closed_at ? ` ${formatLocal(ticket.closed_at, props.timeZone)}` : ''}.</span>{' '}
          <button type="submit">Reopen thread</button>
        </Form>
      ) : ticket.response_due_at ? (
        <p class="muted">StrataPT asked for a response: reply below before marking this thread resolved.</p>
      ) : (
        <Form csrf={ctx.csrf} action={base} class="inline">
          <button type="submit">Mark resolved</button> <span class="meta">Closes the thread for both sides; you can reopen it.</span>
        </Form>
      )}
    </div>
  );
}

function windowLabel(hours: number): string {
  if (hours % 24 === 0) return `${hours / 24} day${hours === 24 ? '' : 's'}`;
  return `${hours} hours`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
