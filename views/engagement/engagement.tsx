import { TransactionalOnlyGuidance } from '../components/transactional-only.tsx';
import { AppLayout } from '../layouts/app.tsx';
import { PatientMenu } from '../patients/menu.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { Engagement, Toggle } from '../../src/engagement/subscriptions.ts';
import type { ShownMessage } from '../../src/messaging/messages.ts';
import { KINDS, CHANNELS, EMAIL_NOT_ENCRYPTED_WARNING, channelLabel, kindLabel } from '../../src/engagement/labels.ts';
import { formatPhone } from '../../src/intl.ts';
import { MessageList } from '../messaging/sent-messages.tsx';
import { formatWhen } from '../messaging/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';

/** Patient Info → Patient Engagement: subscriptions per kind and channel, channel state, consent history, messages. */
export function EngagementPage(props: {
  ctx: ViewContext;
  e: Engagement;
  messages: ShownMessage[];
  disabledLinks?: { id: number; created_at: Date; disabled_at: Date }[];
  error?: string;
}) {
  const { e } = props;
  const name = `${e.patient.first_name} ${e.patient.last_name}`;
  return (
    <AppLayout ctx={props.ctx} title={`Patient Engagement · ${name}`}>
      <h1>
        {name} <span class="muted">{e.patient.account_number}</span>
      </h1>
      <PatientMenu patientId={e.patient.id} active="engagement" />
      <TransactionalOnlyGuidance />
      <EngagementPanel ctx={props.ctx} e={e} error={props.error} />
      {props.disabledLinks?.length ? (
        <>
          <h2>Portal links</h2>
          <ul class="disabled-portal-links">
            {props.disabledLinks.map((l) => (
              <li class="notice">
                Portal link sent {formatWhen(l.created_at, e.practice.time_zone)}: <strong>link locked after repeated wrong dates</strong> (
                {formatWhen(l.disabled_at, e.practice.time_zone)}). The next balance alert or statement brings a new link.
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>Messages</h2>
      {props.messages.length === 0 ? <p>No messages have been sent to this patient.</p> : <MessageList rows={props.messages} timeZone={e.practice.time_zone} />}
    </AppLayout>
  );
}

/** The part htmx swaps after a toggle: it holds the toggles and the history, which change together. */
export function EngagementPanel(props: { ctx: ViewContext; e: Engagement; error?: string }) {
  const { e } = props;
  const tz = e.practice.time_zone;
  return (
    <div id="engagement-panel" class="engagement-panel">
      {props.error ? (
        <p class="error-summary" role="alert">
          {props.error}
        </p>
      ) : null}
      <h2>Contact</h2>
      <ul class="channel-states">
        {e.channels.map((ch) => (
          <li class={ch.blocked ? 'blocked' : 'notice'}>
            <strong>{ch.label}:</strong> {ch.address ? (ch.channel === 'sms' ? formatPhone(ch.address) : ch.address) : 'none'}
            {ch.blocked ? ` — ${ch.blocked.text}${ch.blocked.since ? ` (${formatWhen(ch.blocked.since, tz)})` : ''}` : ' — can receive messages'}
          </li>
        ))}
      </ul>

      <h2>Subscriptions</h2>
      <p class="muted">Balance alerts start off and need the patient's recorded agreement. Appointment reminders and emergency notifications are on unless turned off, when the patient has that contact.</p>
      <TableScroll>
        <table class="subscriptions">
          <thead>
            <tr>
              <th scope="col">Message</th>
              {CHANNELS.map((c) => (
                <th scope="col">{c.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {KINDS.map((k) => (
              <tr>
                <th scope="row">{k.label}</th>
                {CHANNELS.map((c) => {
                  const t = e.toggles.find((x) => x.kind === k.kind && x.channel === c.channel)!;
                  const ch = e.channels.find((x) => x.channel === c.channel)!;
                  return (
                    <td>
                      <ToggleForm ctx={props.ctx} patientId={e.patient.id} t={t} unusable={ch.blocked?.text ?? null} />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <p class="warning">{EMAIL_NOT_ENCRYPTED_WARNING}</p>

      <h2>Consent history</h2>
      {e.history.length === 0 ? (
        <p>No changes recorded yet.</p>
      ) : (
        <TableScroll>
          <table class="consent-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Change</th>
                <th scope="col">Address</th>
                <th scope="col">Wording shown</th>
              </tr>
            </thead>
            <tbody>
              {e.history.map((h) => (
                <tr>
                  <td>{formatWhen(h.at, tz)}</td>
                  <td>{h.actor_kind === 'staff' ? (h.actor_name ?? 'Staff') : h.actor_kind === 'patient' ? `Patient (${sourceLabel(h.source)})` : 'System'}</td>
                  <td>
                    {kindLabel(h.kind)} by {channelLabel(h.channel).toLowerCase()}: <strong>{h.subscribed ? 'on' : 'off'}</strong>
                  </td>
                  <td>{h.address ?? '—'}</td>
                  <td class="wording">{h.wording}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </div>
  );
}

function ToggleForm(props: { ctx: ViewContext; patientId: number; t: Toggle; unusable: string | null }) {
  const { t } = props;
  const action = `/patients/${props.patientId}/engagement/subscriptions/${t.kind}/${t.channel}${t.subscribed ? '/delete' : ''}`;
  const id = `${t.kind}-${t.channel}`;
  return (
    <form method="post" action={action} hx-post={action} hx-target="#engagement-panel" hx-swap="outerHTML" class="toggle">
      <input type="hidden" name="_csrf" value={props.ctx.csrf} />
      <button type="submit" id={`toggle-${id}`} role="switch" aria-checked={t.subscribed ? 'true' : 'false'} aria-label={`${t.kindLabel} by ${channelLabel(t.channel).toLowerCase()}`} aria-describedby={`wording-${id}`} class={t.subscribed ? 'switch on' : 'switch off'}>
        {t.subscribed ? 'On' : 'Off'}
      </button>
      <p class="hint consent-wording" id={`wording-${id}`}>
        {t.subscribed ? (props.unusable ? `On, but nothing is sent: ${props.unusable.toLowerCase()}.` : 'Turning this off stops these messages.') : t.wordingOn}
      </p>
    </form>
  );
}

function sourceLabel(source: string): string {
  return ({ sms_stop: 'texted STOP', sms_start: 'texted START', unsubscribe_link: 'unsubscribe link', portal: 'through the portal' } as Record<string, string>)[source] ?? source;
}
