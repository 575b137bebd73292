import { Base } from '../layouts/base.tsx';
import type { Language } from '../../src/db/schema.ts';
import { t } from '../../src/intl.ts';

const WHAT = {
  balance_alert: 'unsubscribe.balance_alert',
  appointment_reminder: 'unsubscribe.appointment_reminder',
  emergency: 'unsubscribe.emergency',
} as const;

/**
 * The page an email's unsubscribe link opens: confirm with one button (mail clients may post
 * directly). In the patient's language (docs/rules.md, Language); an unknown link in English.
 */
export function UnsubscribePage(props: { token: string; state: 'confirm' | 'done' | 'invalid'; practiceName?: string; kind?: string; lang?: Language }) {
  const lang = props.lang ?? 'en';
  const what = t(lang, props.kind && props.kind in WHAT ? WHAT[props.kind as keyof typeof WHAT] : 'unsubscribe.all');
  const words = { practice: props.practiceName ?? '', what };
  return (
    <Base title={t(lang, 'unsubscribe.title')} lang={lang}>
      <main id="main" class="narrow">
        {props.state === 'invalid' ? (
          <>
            <h1>{t(lang, 'unsubscribe.invalidHeading')}</h1>
            <p>{t(lang, 'unsubscribe.invalidText')}</p>
          </>
        ) : props.state === 'done' ? (
          <>
            <h1>{t(lang, 'unsubscribe.doneHeading')}</h1>
            <p role="status">{t(lang, 'unsubscribe.doneText', words)}</p>
          </>
        ) : (
          <>
            <h1>{t(lang, 'unsubscribe.title')}</h1>
            <p>{t(lang, 'unsubscribe.confirmText', words)}</p>
            <form method="post" action={`/unsubscribe/${props.token}`}>
              <button type="submit" class="primary">{t(lang, 'unsubscribe.button')}</button>
            </form>
          </>
        )}
      </main>
    </Base>
  );
}
