import { AppLayout } from '../layouts/app.tsx';
import { Form, TextArea, SelectField, TextField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { ConsoleThread } from '../../src/tickets/visibility.ts';
import type { ConversationMessage } from '../../src/tickets/conversation.ts';
import { ACCEPT_ATTRIBUTE, QUEUE_DEPARTMENTS, QUEUE_LABEL, RESPONSE_WINDOWS, ROLE_CHOICES } from '../../src/tickets/labels.ts';
import type { FilledMacro } from '../../src/tickets/macros.ts';
import { FieldError } from '../components/form.tsx';
import { formatPhone } from '../../src/intl.ts';
import { formatLocal } from '../tickets/parts.tsx';

const STATUS: Record<string, string> = { waiting_vendor: 'Waiting on StrataPT', waiting_practice: 'Waiting on the practice', closed: 'Closed' };
/** Visible To as the console names it: the role groups in the practice form's words (ROLE_CHOICES). */
const AUDIENCE: Record<string, string> = {
  only_me: 'Only the creator',
  person: 'One named person',
  ...Object.fromEntries(ROLE_CHOICES.map((r) => [r.value, r.label])),
};
const EVENT: Record<string, string> = {
  created: 'opened the thread',
  practice_reply: 'replied',
  vendor_reply: 'replied',
  internal_note: 'added an internal note',
  response_required: 'required a response',
  response_received: 'answered the required response',
  requirement_lifted: 'lifted the response requirement',
  assigned: 'assigned the thread',
  unassigned: 'unassigned the thread',
  moved: 'moved the thread',
  closed: 'closed the thread',
  reopened: 'reopened the thread',
  admin_level_set: 'marked the thread admin-level',
  admin_level_removed: 'removed admin-level',
  deadline_warning_sent: 'Deadline warning sent to the practice',
  went_overdue: 'Thread went Overdue; both sides were told',
};

export type ThreadEvent = { id: number; kind: string; details: Record<string, unknown>; at: Date; actor_name: string | null };

export function VendorThreadPage(props: {
  ctx: ViewContext;
  thread: ConsoleThread;
  messages: ConversationMessage[];
  events: ThreadEvent[];
  assignees: { id: number; name: string }[];
  macros: FilledMacro[];
  now: Date;
  values?: Record<string, string | undefined>;
  errors?: FieldErrors;
  notice?: string;
}) {
  const { ctx, thread: t, messages, events, assignees, now } = props;
  const values = props.values ?? {};
  const errors = props.errors ?? {};
  const tz = t.time_zone;
  const overdue = t.overdue;
  const base = `/vendor/tickets/${t.id}`;
  return (
    <AppLayout ctx={ctx} title={`Ticket #${t.id}`} wide>
      <p>
        <a href={`/vendor/queues/${t.department}`}>← {QUEUE_LABEL[t.department]} queue</a>
      </p>
      <h1>
        {t.subject} <span class="meta">#{t.id}</span> {overdue ? <span class="overdue">Overdue</span> : null}
      </h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <FormErrorSummary errors={errors} />
      <div class="row thread-layout">
        <div class="grow">
          <dl class="ticket-facts">
            <div>
              <dt>Practice</dt>
              <dd>
                {t.practice_name} · {formatPhone(t.practice_phone)} {t.hypercare ? <span class="tag hypercare">Hypercare</span> : null}
              </dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>{STATUS[t.status]}</dd>
            </div>
            <div>
              <dt>Department</dt>
              <dd>{QUEUE_LABEL[t.department]}</dd>
            </div>
            <div>
              <dt>Visible To (at the practice)</dt>
              <dd>
                {t.visibility === 'person' ? (t.named_person ?? AUDIENCE.person) : AUDIENCE[t.visibility]}
                {t.admin_level ? ' · admin-level (Practice Administrators and above only)' : ''}
              </dd>
            </div>
            <div>
              <dt>Opened</dt>
              <dd>
                {formatLocal(t.created_at, tz)} by {t.creator_name}
                {t.created_by_side === 'vendor' ? ' (StrataPT)' : ''}
              </dd>
            </div>
            <div>
              <dt>Account manager</dt>
              <dd>{t.account_manager ?? 'None'}</dd>
            </div>
            <div>
              <dt>Linked patient</dt>
              <dd>
                {t.patient_id ? (
                  <a href={`${base}/patient`}>
                    Open account {t.patient_account_number} (read-only; your view is audit-logged)
                  </a>
                ) : (
                  'None linked'
                )}
              </dd>
            </div>
            {t.response_due_at ? (
              <div>
                <dt>Response required by</dt>
                <dd class={overdue ? 'due overdue-text' : 'due'}>
                  {formatLocal(t.response_due_at, tz)} (practice time) {overdue ? <span class="overdue">Overdue</span> : null}
                </dd>
              </div>
            ) : null}
          </dl>

          <h2>Conversation</h2>
          <ol class="messages">
            {messages.map((m) => (
              <li class={m.internal ? 'internal' : m.author_side} id={`message-${m.id}`}>
                <p class="meta">
                  {m.internal ? <strong>Internal note · </strong> : null}
                  {m.author_name}
                  {m.author_side === 'vendor' ? ' (StrataPT)' : ''} · {formatLocal(m.created_at, tz)}
                  {m.response_window_hours ? ` · response required within ${RESPONSE_WINDOWS.find((w) => w.hours === m.response_window_hours)?.label ?? `${m.response_window_hours} hours`}` : ''}
                </p>
                <div class="body">{m.body}</div>
                {m.attachments.length ? (
                  <ul class="attachments">
                    {m.attachments.map((a) => (
                      <li>
                        {/* Not boosted: the browser itself downloads the file (or shows an image). */}
                        <a href={`${base}/attachments/${a.id}`} hx-boost="false">
                          {a.filename}
                        </a> <span class="meta">({Math.ceil(a.size_bytes / 1024)} KB; downloads are audit-logged)</span>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ol>

          <h2 id="reply-heading">Reply to the practice</h2>
          <Form csrf={ctx.csrf} action={`${base}/replies`} enctype="multipart/form-data" class="stack" aria-labelledby="reply-heading">
            {props.macros.length ? (
              <div class="row macro-picker">
                <label for="macro">Canned reply</label>
                <select id="macro" name="macro" aria-describedby={errors.macro ? 'macro-error' : undefined}>
                  {props.macros.map((m) => (
                    <option value={String(m.id)}>{m.title}</option>
                  ))}
                </select>
                {/* Without JavaScript the whole form comes back with the text added; with htmx only the reply box is replaced. */}
                <button type="submit" name="intent" value="insert_macro" formnovalidate hx-post={`${base}/reply-box`} hx-target="#reply-box" hx-swap="innerHTML">
                  Insert
                </button>
                <FieldError name="macro" error={errors.macro} />
              </div>
            ) : null}
            <div id="reply-box">
              <ReplyBox message={values.message} error={errors.message} />
            </div>
            <div class={errors.files ? 'field has-error' : 'field'}>
              <label for="files">Attachments (optional)</label>
              <p class="hint" id="files-hint">PDF, images, CSV or text files, up to 10 MB each, at most 5.{errors.files ? ' Attach the files again.' : ''}</p>
              <input id="files" name="files[]" type="file" multiple accept={ACCEPT_ATTRIBUTE} aria-describedby={errors.files ? 'files-hint files-error' : 'files-hint'} />
              <FieldError name="files" error={errors.files} />
            </div>
            <SelectField
              label="Require a response within"
              name="response_window"
              value={values.response_window ?? ''}
              error={errors.response_window}
              hint={`Optional. The due time is shown to the practice in its time zone (${tz}); when it passes the thread is Overdue and the practice cannot start new threads.`}
              options={[{ value: '', label: 'No response required' }, ...RESPONSE_WINDOWS.map((w) => ({ value: String(w.hours), label: w.label }))]}
            />
            <button type="submit" class="primary">Send reply</button>
          </Form>

          <h2 id="note-heading">Internal note</h2>
          <Form csrf={ctx.csrf} action={`${base}/notes`} class="stack internal-note-form" aria-labelledby="note-heading">
            <TextArea label="Note for the StrataPT team" name="note" value={values.note} error={errors.note} required maxlength={20000} hint="Never shown to the practice, never emailed." rows={3} />
            <button type="submit">Add internal note</button>
          </Form>
        </div>

        <aside class="aside thread-actions" aria-label="Thread actions">
          <h2>Actions</h2>
          <Form csrf={ctx.csrf} action={`${base}/assignment`} class="stack">
            <SelectField
              label="Assigned to"
              name="assignee"
              value={values.assignee ?? (t.assigned_to_user_id ? String(t.assigned_to_user_id) : '')}
              error={errors.assignee}
              options={[{ value: '', label: 'Nobody' }, ...assignees.map((a) => ({ value: String(a.id), label: a.name }))]}
            />
            <button type="submit">Assign</button>
          </Form>
          <Form csrf={ctx.csrf} action={`${base}/department`} class="stack">
            <SelectField
              label="Move to department"
              name="department"
              value={values.department ?? ''}
              error={errors.department}
              options={[{ value: '', label: 'Choose…' }, ...QUEUE_DEPARTMENTS.filter((d) => d !== t.department).map((d) => ({ value: d, label: QUEUE_LABEL[d] }))]}
            />
            <TextField label="Reason" name="reason" value={values.reason} error={errors.reason} maxlength={500} />
            <button type="submit">Move</button>
          </Form>
          {t.response_due_at ? (
            <Form csrf={ctx.csrf} action={`${base}/response-requirement/delete`}>
              <button type="submit">Lift the response requirement</button>
            </Form>
          ) : null}
          <Form csrf={ctx.csrf} action={t.admin_level ? `${base}/admin-level/delete` : `${base}/admin-level`}>
            <button type="submit">{t.admin_level ? 'Remove admin-level' : 'Mark admin-level'}</button>
          </Form>
          {t.status === 'closed' ? (
            <Form csrf={ctx.csrf} action={`${base}/closure/delete`}>
              <button type="submit">Reopen thread</button>
            </Form>
          ) : (
            <Form csrf={ctx.csrf} action={`${base}/closure`} data-confirm="Close this thread?">
              <button type="submit" class="danger">Close thread</button>
            </Form>
          )}
          <h2>History</h2>
          <ol class="history">
            {events.map((e) => (
              <li>
                <span class="meta">{formatLocal(e.at, tz)}</span> {e.actor_name ? `${e.actor_name} ` : ''}
                {EVENT[e.kind] ?? e.kind}
                {e.kind === 'moved' ? ` from ${QUEUE_LABEL[e.details.from as 'billing']} to ${QUEUE_LABEL[e.details.to as 'billing']}: “${String(e.details.reason)}”` : ''}
                {e.kind === 'response_required' && typeof e.details.due_at === 'string' ? ` by ${formatLocal(new Date(e.details.due_at), tz)}` : ''}
              </li>
            ))}
          </ol>
        </aside>
      </div>
    </AppLayout>
  );
}

/** The reply text area: on the page, and alone after a canned reply is inserted (htmx). */
export function ReplyBox(props: { message?: string; error?: string }) {
  return <TextArea label="Reply" name="message" value={props.message} error={props.error} required maxlength={20000} hint="The practice is emailed that there is a reply; the email never contains its text." />;
}
