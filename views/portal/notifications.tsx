import { PortalLayout, PhoneLink } from './layout.tsx';
import type { PortalAlertChannel } from '../../src/portal/consent.ts';
import type { Language } from '../../src/db/schema.ts';
import { t } from '../../src/intl.ts';

/** The patient's own balance alerts: one switch per channel, for the contact on file, with the words that are recorded. */
export function PortalNotificationsPage(props: {
  lang: Language;
  path?: string;
  practiceName: string;
  practicePhone: string;
  channels: PortalAlertChannel[];
  csrf: string;
  notice?: string;
  error?: { channel: string; text: string };
}) {
  const { lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.notifications.title')} practiceName={props.practiceName} signOut={{ csrf: props.csrf }}>
      <p>
        <a href="/portal/account">{t(lang, 'portal.notifications.back')}</a>
      </p>
      <h1>{t(lang, 'portal.notifications.title')}</h1>
      <p>{t(lang, 'portal.notifications.intro')}</p>
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
              {ch.address ? <>{t(lang, 'portal.notifications.to', { address: ch.address })} </> : null}
              <strong>{t(lang, ch.subscribed ? 'portal.notifications.on' : 'portal.notifications.off')}</strong>
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
                  {t(lang, ch.subscribed ? 'portal.notifications.turnOff' : 'portal.notifications.turnOn', { channel: ch.label.toLowerCase() })}
                </button>
              </form>
            ) : (
              <p class="muted">{ch.blocked}</p>
            )}
          </section>
        );
      })}
      <p class="muted">
        {t(lang, 'portal.notifications.changeContact', { practice: props.practiceName })} <PhoneLink phone={props.practicePhone} />.
      </p>
    </PortalLayout>
  );
}
