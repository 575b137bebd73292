import { AppLayout } from '../layouts/app.tsx';
import { Form, FormErrorSummary, FieldError, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { FREQUENCIES, LEAD_HOURS } from '../../src/engagement-settings/labels.ts';
import type { EngagementSettings } from '../../src/engagement-settings/settings.ts';
import { formatDateTime } from '../patients/format.ts';

export function PatientEngagementSettingsPage(props: {
  ctx: ViewContext;
  settings: EngagementSettings;
  values: Record<string, string | undefined>;
  errors: FieldErrors;
  saved?: boolean;
}) {
  const { settings, values, errors } = props;
  const tz = props.ctx.practice?.time_zone ?? 'UTC';
  return (
    <AppLayout ctx={props.ctx} title="Patient Engagement settings">
      <p class="breadcrumb">
        <a href="/settings">Settings</a> › Patient Engagement
      </p>
      <h1>Patient Engagement</h1>
      {props.saved ? (
        <p class="notice" role="status">
          Saved.
        </p>
      ) : null}
      <FormErrorSummary errors={errors} />
      <Form csrf={props.ctx.csrf} action="/settings/patient-engagement" class="stack">
        <fieldset class={errors.balance_alert_frequency ? 'has-error' : undefined} aria-describedby="frequency-hint">
          <legend>Balance alerts</legend>
          <p class="hint" id="frequency-hint">
            How often a patient with a balance is sent a text or email with a link to the patient portal. Alerts run while a patient
            responsibility was recorded in the last 60 days and stop by themselves when the balance is paid. Patients start
            unsubscribed: staff opt each patient in on their Patient Engagement screen.
          </p>
          {Object.entries(FREQUENCIES).map(([value, label]) => (
            <div class="field radio">
              <input type="radio" id={`frequency-${value}`} name="balance_alert_frequency" value={value} checked={values.balance_alert_frequency === value} />
              <label for={`frequency-${value}`}>{label}</label>
            </div>
          ))}
          <FieldError name="balance_alert_frequency" error={errors.balance_alert_frequency} />
        </fieldset>
        <fieldset class={errors.reminder_lead_hours ? 'has-error' : undefined}>
          <legend>Appointment reminders</legend>
          <p class="hint">How long before an appointment its reminder goes out. Texts wait for 08:00–21:00 in the practice’s time zone.</p>
          {LEAD_HOURS.map((h) => (
            <div class="field radio">
              <input type="radio" id={`lead-${h}`} name="reminder_lead_hours" value={String(h)} checked={values.reminder_lead_hours === String(h)} />
              <label for={`lead-${h}`}>{h} hours before</label>
            </div>
          ))}
          <FieldError name="reminder_lead_hours" error={errors.reminder_lead_hours} />
        </fieldset>
        <button type="submit" class="primary">
          Save
        </button>
      </Form>
      <p class="meta" data-testid="last-changed">
        {settings.engagement_updated_at
          ? `Last changed by ${settings.updated_by_name ?? 'a former staff member'} on ${formatDateTime(settings.engagement_updated_at, tz)}.`
          : 'Not changed since the practice was set up (defaults).'}
      </p>
    </AppLayout>
  );
}
