import type { AppointmentChange } from '../../src/reminders/day-list.ts';
import { dateTimeFormat } from '../../src/intl.ts';

/** The Dashboard's list of appointment changes: patients who asked to reschedule an upcoming appointment. */
export function AppointmentChangesPanel(props: { changes: AppointmentChange[]; timeZone: string }) {
  const when = dateTimeFormat('en-US', { timeZone: props.timeZone, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  return (
    <section class="card" aria-labelledby="appointment-changes-heading">
      <h2 id="appointment-changes-heading">Appointment changes</h2>
      {props.changes.length === 0 ? (
        <p>No patient has asked to reschedule an upcoming appointment.</p>
      ) : (
        <ul class="appointment-changes">
          {props.changes.map((c) => (
            <li>
              <a href={`/patients/${c.patient_id}`}>{c.patient_name}</a> asked to reschedule {when.format(c.starts_at)}{' '}
              <span class="muted">({c.via === 'sms' ? 'by text' : 'by email link'}, {when.format(c.asked_at)})</span>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href="/appointments/tomorrow">Tomorrow's appointments</a>
      </p>
    </section>
  );
}
