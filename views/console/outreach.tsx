import { AppLayout } from '../layouts/app.tsx';
import { Form, TextArea, SelectField, TextField, Checkbox, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { OUTREACH_AUDIENCES, QUEUE_DEPARTMENTS, QUEUE_LABEL, RESPONSE_WINDOWS } from '../../src/tickets/labels.ts';

/** Start a thread to a practice, e.g. an account manager's outreach. */
export function OutreachPage(props: {
  ctx: ViewContext;
  practices: { id: number; name: string; departments: string[] }[];
  values: Record<string, string | undefined>;
  errors: FieldErrors;
}) {
  const { ctx, practices, values, errors } = props;
  return (
    <AppLayout ctx={ctx} title="Start a thread">
      <h1>Start a thread with a practice</h1>
      <FormErrorSummary errors={errors} />
      <Form csrf={ctx.csrf} action="/vendor/tickets" class="stack">
        <SelectField
          label="Practice"
          name="practice_id"
          value={values.practice_id ?? ''}
          error={errors.practice_id}
          options={[{ value: '', label: 'Choose…' }, ...practices.map((p) => ({ value: String(p.id), label: p.name }))]}
        />
        <SelectField
          label="Department"
          name="department"
          value={values.department ?? ''}
          error={errors.department}
          hint="The queue the thread belongs to; the practice's replies go there."
          options={[{ value: '', label: 'Choose…' }, ...QUEUE_DEPARTMENTS.map((d) => ({ value: d, label: QUEUE_LABEL[d] }))]}
        />
        <SelectField
          label="Visible To (at the practice)"
          name="audience"
          value={values.audience ?? 'anyone'}
          error={errors.audience}
          options={OUTREACH_AUDIENCES.map((a) => ({ value: a.value, label: a.label }))}
        />
        <Checkbox label="Admin-level" name="admin_level" checked={!!values.admin_level} hint="Only Practice Administrators and above will see it, whatever Visible To says." />
        <TextField label="Subject" name="subject" value={values.subject} error={errors.subject} required maxlength={200} />
        <TextArea label="Message" name="message" value={values.message} error={errors.message} required maxlength={20000} />
        <SelectField
          label="Require a response within"
          name="response_window"
          value={values.response_window ?? ''}
          error={errors.response_window}
          options={[{ value: '', label: 'No response required' }, ...RESPONSE_WINDOWS.map((w) => ({ value: String(w.hours), label: w.label }))]}
        />
        <button type="submit" class="primary">Start thread</button>
        <a href="/vendor">Cancel</a>
      </Form>
    </AppLayout>
  );
}
