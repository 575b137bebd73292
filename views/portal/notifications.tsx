import { PortalLayout, PhoneLink } from './layout.tsx';
import type { PortalAlertChannel } from '../../src/portal/consent.ts';

/** The patient's own balance alerts: one switch per channel, for the contact on file, with the words that are recorded. */
export function PortalNotificationsPage(props: {
  practiceName: string;
  practicePhone: string;
  channels: PortalAlertChannel[];
  csrf: string;
  notice?: string;
  error?: { channel: string; text: string };
}) {
  return (
    <PortalLayout title="Balance alerts" practiceName={props.practiceName} signOut={{ csrf: props.csrf }}>
      <p>
        <a href="/portal/account">← Your balance</a>
      </p>
      <h1>Balance alerts</h1>
      <p>A balance alert tells you when there is a balance to pay, with a secure link to this portal. Choose how you get them.</p>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.channels.map((ch) => {
        const id = `alerts-${ch.channel}`;
        const error = props.error?.channel === ch.channel ? props.error.text : null;
        return (
          <section class="card" aria-labelledby={`${id}-heading`}>
            <h2 id={`${id}-heading`}>{ch.label}</h2>
            <p>
              {ch.address ? <>To {ch.address}: </> : null}
              <strong>{ch.subscribed ? 'On' : 'Off'}</strong>
            </p>
            {error ? (
              <p class="field-error" id={`${id}-error`} role="alert">
                {error}
              </p>
            ) : null}
            {ch.subscribed || !ch.blocked ? (
              <form method="post" action="/portal/notifications">
                <input type="hidden" name="_csrf" value={props.csrf} />
                <input type="hidden" name="channel" value={ch.channel} />
                <input type="hidden" name="subscribed" value={ch.subscribed ? 'off' : 'on'} />
                <p class="hint consent-wording" id={`${id}-wording`}>
                  {ch.wording}
                </p>
                <button type="submit" class={ch.subscribed ? undefined : 'primary'} aria-describedby={`${id}-wording`}>
                  {ch.subscribed ? `Turn off ${ch.label.toLowerCase()}` : `Turn on ${ch.label.toLowerCase()}`}
                </button>
              </form>
            ) : (
              <p class="muted">{ch.blocked}</p>
            )}
          </section>
        );
      })}
      <p class="muted">
        To change your phone number or email address, call {props.practiceName} at <PhoneLink phone={props.practicePhone} />.
      </p>
    </PortalLayout>
  );
}
