import { PortalLayout, PhoneLink } from '../portal/layout.tsx';
import type { AppointmentAnswer } from '../../src/db/schema.ts';

// The pages behind a reminder email's "Confirm" and "Need to reschedule?" links: no scripts, one
// button (a link alone changes nothing, so a mail scanner opening it answers nothing).

export type ReplyPageState =
  | { state: 'open'; action: AppointmentAnswer; token: string; when: string; practiceName: string; practicePhone: string }
  | { state: 'answered' | 'used'; answer: AppointmentAnswer; when: string; practiceName: string; practicePhone: string }
  | { state: 'expired'; practiceName: string; practicePhone: string }
  | { state: 'invalid' };

export function ReplyPage(props: ReplyPageState) {
  if (props.state === 'invalid') {
    return (
      <PortalLayout title="Link not recognised">
        <h1>This link does not work</h1>
        <p>Check that the whole link from the email was opened, or call your practice.</p>
      </PortalLayout>
    );
  }
  const contact = (
    <p>
      Questions? Call {props.practiceName} at <PhoneLink phone={props.practicePhone} />.
    </p>
  );
  if (props.state === 'expired') {
    return (
      <PortalLayout title="Link no longer valid" practiceName={props.practiceName}>
        <h1>This link is no longer valid</h1>
        <p>The appointment has started, was moved or was cancelled since the email was sent.</p>
        {contact}
      </PortalLayout>
    );
  }
  if (props.state === 'open') {
    const confirm = props.action === 'confirmed';
    return (
      <PortalLayout title={confirm ? 'Confirm your appointment' : 'Ask to reschedule'} practiceName={props.practiceName}>
        <h1>{confirm ? 'Confirm your appointment' : 'Need to reschedule?'}</h1>
        <p>
          Your appointment with {props.practiceName} on <strong>{props.when}</strong>.
        </p>
        {confirm ? null : <p>The office will contact you to find a new time. Your appointment stays booked until then.</p>}
        <form method="post" action={`/appointment-replies/${props.token}/${confirm ? 'confirm' : 'reschedule'}`}>
          <button type="submit" class="primary">{confirm ? 'Confirm my appointment' : 'Ask the office to reschedule'}</button>
        </form>
        {contact}
      </PortalLayout>
    );
  }
  const confirmed = props.answer === 'confirmed';
  return (
    <PortalLayout title={confirmed ? 'Appointment confirmed' : 'Reschedule requested'} practiceName={props.practiceName}>
      <h1>{confirmed ? 'Your appointment is confirmed' : 'The office knows you need to reschedule'}</h1>
      {props.state === 'used' ? <p>This link was already used: it works once.</p> : null}
      <p>
        {confirmed
          ? `Thank you. We look forward to seeing you on ${props.when}.`
          : `Your appointment on ${props.when} stays booked until the office reaches you to find a new time.`}
      </p>
      {contact}
    </PortalLayout>
  );
}
