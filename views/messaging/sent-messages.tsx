import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { MessageFilters, ShownMessage } from '../../src/messaging/messages.ts';
import { OUTBOX_STATUSES } from '../../src/messaging/labels.ts';
import { MessageBody, StatusBadge } from './message-body.tsx';
import { STATUS_LABELS, formatWhen } from './format.ts';

/** Sent Messages (vendor admins): every outbox row, captured or sent through a provider. */
export function SentMessagesPage(props: {
  ctx: ViewContext;
  filters: MessageFilters;
  rows: ShownMessage[];
  page: number;
  hasMore: boolean;
  kinds: string[];
  practices: { id: number; name: string }[];
  query: string;
}) {
  const { filters: f } = props;
  const pageHref = (n: number) => `/vendor/messages?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(props.query)), page: String(n) })}`;
  return (
    <AppLayout ctx={props.ctx} title="Sent Messages" wide>
      <h1>Sent Messages</h1>
      <p class="muted">
        Every email and text the app has queued. A portal link shows as “portal link (hidden)”: its secret is put into the message only as it
        leaves through a provider. With no provider configured (demo and development), messages are captured here instead of leaving and keep
        their live portal links, so a balance alert can be followed to the portal.
      </p>
      <form method="get" action="/vendor/messages" class="filters" role="search" aria-label="Filter messages">
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            <option value="">Any</option>
            {OUTBOX_STATUSES.map((s) => (
              <option value={s} selected={f.status === s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-channel">Channel</label>
          <select id="f-channel" name="channel">
            <option value="">Any</option>
            <option value="sms" selected={f.channel === 'sms'}>Text</option>
            <option value="email" selected={f.channel === 'email'}>Email</option>
          </select>
        </div>
        <div class="field">
          <label for="f-transport">Transport</label>
          <select id="f-transport" name="transport">
            <option value="">Any</option>
            {['captured', 'resend', 'twilio'].map((t) => (
              <option value={t} selected={f.transport === t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-kind">Kind</label>
          <select id="f-kind" name="kind">
            <option value="">Any</option>
            {props.kinds.map((k) => (
              <option value={k} selected={f.kind === k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-practice">Practice</label>
          <select id="f-practice" name="practice">
            <option value="">Any</option>
            {props.practices.map((p) => (
              <option value={String(p.id)} selected={f.practiceId === p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-recipient">Recipient</label>
          <input id="f-recipient" type="search" name="recipient" value={f.recipient ?? ''} />
        </div>
        <button type="submit">Filter</button>
      </form>
      {props.rows.length === 0 ? <p>No messages match.</p> : <MessageList rows={props.rows} showPractice />}
      <nav class="pager" aria-label="Pages">
        {props.page > 1 ? <a href={pageHref(props.page - 1)}>Newer</a> : null}
        {props.hasMore ? <a href={pageHref(props.page + 1)}>Older</a> : null}
      </nav>
    </AppLayout>
  );
}

/** Messages as cards: status, channel, recipient, when, and the body with clickable links. */
export function MessageList(props: { rows: ShownMessage[]; showPractice?: boolean; timeZone?: string }) {
  return (
    <ul class="messages outbox-messages">
      {props.rows.map((m) => (
        <li id={`message-${m.id}`}>
          <p class="meta">
            <StatusBadge status={m.status} label={STATUS_LABELS[m.status] ?? m.status} /> {m.channel === 'sms' ? 'Text' : 'Email'} · {m.kind} · to {m.recipient}
            {props.showPractice && m.practice_name ? ` · ${m.practice_name}` : ''} · queued {formatWhen(m.created_at, props.timeZone)}
            {m.sent_at ? ` · sent ${formatWhen(m.sent_at, props.timeZone)}` : ''}
            {m.transport ? ` · via ${m.transport}` : ''}
            {m.status === 'queued' && m.attempts === 0 && m.next_attempt_at > m.created_at ? ` · waits until ${formatWhen(m.next_attempt_at, props.timeZone)}` : ''}
          </p>
          {m.subject ? <p class="subject">{m.subject}</p> : null}
          <MessageBody parts={m.parts} />
          {m.cancel_reason ? <p class="muted">Cancelled: {m.cancel_reason}</p> : null}
          {m.last_error && m.status !== 'delivered' ? <p class="muted">Last error: {m.last_error}</p> : null}
        </li>
      ))}
    </ul>
  );
}
