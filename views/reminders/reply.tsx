import { PortalLayout, PhoneLink } from '../portal/layout.tsx';
import type { AppointmentAnswer, Language } from '../../src/db/schema.ts';
import { t } from '../../src/intl.ts';

// The pages behind a reminder email's "Confirm" and "Need to reschedule?" links: no scripts, one
// button (a link alone changes nothing, so a mail scanner opening it answers nothing).

export type ReplyPageState =
  | { state: 'open'; action: AppointmentAnswer; token: string; when: string; practiceName: string; practicePhone: string; language: Language }
  | { state: 'answered' | 'used'; answer: AppointmentAnswer; when: string; practiceName: string; practicePhone: string; language: Language }
  | { state: 'expired'; practiceName: string; practicePhone: string; language: Language }
  | { state: 'invalid' };

export function ReplyPage(props: ReplyPageState) {
  if (props.state === 'invalid') {
    return (
      <PortalLayout lang="en" title={t('en', 'reply.invalidTitle')}>
        <h1>{t('en', 'reply.invalidHeading')}</h1>
        <p>{t('en', 'reply.invalidText')}</p>
      </PortalLayout>
    );
  }
  const lang = props.language;
  const contact = (
    <p>
      {t(lang, 'reply.questions', { practice: props.practiceName })} <PhoneLink phone={props.practicePhone} />.
    </p>
  );
  if (props.state === 'expired') {
    return (
      <PortalLayout lang={lang} title={t(lang, 'reply.expiredTitle')} practiceName={props.practiceName}>
        <h1>{t(lang, 'reply.expiredHeading')}</h1>
        <p>{t(lang, 'reply.expiredText')}</p>
        {contact}
      </PortalLayout>
    );
  }
  if (props.state === 'open') {
    const confirm = props.action === 'confirmed';
    return (
      <PortalLayout lang={lang} title={t(lang, confirm ? 'reply.confirmTitle' : 'reply.rescheduleTitle')} practiceName={props.practiceName}>
        <h1>{t(lang, confirm ? 'reply.confirmTitle' : 'reply.rescheduleHeading')}</h1>
        <p>
          {t(lang, 'reply.yourAppointment', { practice: props.practiceName })} <strong>{props.when}</strong>.
        </p>
        {confirm ? null : <p>{t(lang, 'reply.rescheduleNote')}</p>}
        <form method="post" action={`/appointment-replies/${props.token}/${confirm ? 'confirm' : 'reschedule'}`}>
          <button type="submit" class="primary">{t(lang, confirm ? 'reply.confirmButton' : 'reply.rescheduleButton')}</button>
        </form>
        {contact}
      </PortalLayout>
    );
  }
  const confirmed = props.answer === 'confirmed';
  return (
    <PortalLayout lang={lang} title={t(lang, confirmed ? 'reply.confirmedTitle' : 'reply.requestedTitle')} practiceName={props.practiceName}>
      <h1>{t(lang, confirmed ? 'reply.confirmedHeading' : 'reply.requestedHeading')}</h1>
      {props.state === 'used' ? <p>{t(lang, 'reply.used')}</p> : null}
      <p>{t(lang, confirmed ? 'reply.confirmedText' : 'reply.requestedText', { when: props.when })}</p>
      {contact}
    </PortalLayout>
  );
}
