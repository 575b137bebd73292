import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, SelectField, Checkbox, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { DEPARTMENTS } from '../../src/auth/labels.ts';
import { TEAM_DEPARTMENTS, US_TIME_ZONES } from '../../src/console/labels.ts';
import type { Department } from '../../src/db/schema.ts';
import { formatPhone } from '../../src/intl.ts';

type PracticeRow = { id: number; name: string; phone: string; time_zone: string; go_live_on: string; hypercare_days: number; account_manager: string | null };

export function PracticesPage(props: { ctx: ViewContext; practices: PracticeRow[]; notice?: string }) {
  return (
    <AppLayout ctx={props.ctx} title="Practices" wide>
      <div class="row">
        <h1 class="grow">Practices</h1>
        <a class="button" href="/vendor/team">StrataPT team</a>
        <a class="button primary" href="/vendor/practices/new">Add practice</a>
      </div>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <table class="list">
        <thead>
          <tr><th scope="col">Practice</th><th scope="col">Phone</th><th scope="col">Time zone</th><th scope="col">Go-live</th><th scope="col">Hypercare</th><th scope="col">Account manager</th></tr>
        </thead>
        <tbody>
          {props.practices.map((p) => (
            <tr>
              <td><a href={`/vendor/practices/${p.id}`}>{p.name}</a></td>
              <td>{formatPhone(p.phone)}</td>
              <td>{p.time_zone}</td>
              <td>{p.go_live_on}</td>
              <td>{p.hypercare_days} days</td>
              <td>{p.account_manager ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AppLayout>
  );
}

export function PracticeFormPage(props: {
  ctx: ViewContext;
  practiceId?: number;
  managers: { id: number; name: string }[];
  values: Record<string, string | undefined>;
  errors: FieldErrors;
}) {
  const { ctx, values, errors, practiceId } = props;
  const editing = practiceId !== undefined;
  const zones = US_TIME_ZONES.includes(values.time_zone ?? '') || !values.time_zone ? US_TIME_ZONES : [values.time_zone, ...US_TIME_ZONES];
  return (
    <AppLayout ctx={ctx} title={editing ? 'Edit practice' : 'Add practice'}>
      <h1>{editing ? 'Edit practice' : 'Add practice'}</h1>
      <FormErrorSummary errors={errors} />
      <Form csrf={ctx.csrf} action={editing ? `/vendor/practices/${practiceId}` : '/vendor/practices'} class="stack">
        <TextField label="Practice name" name="name" value={values.name} error={errors.name} required maxlength={150} />
        <TextField label="Phone" name="phone" type="tel" value={values.phone} error={errors.phone} required hint="Shown to patients in texts and on the portal." />
        <SelectField label="Time zone" name="time_zone" value={values.time_zone ?? 'America/Chicago'} error={errors.time_zone} options={zones.map((z) => ({ value: z, label: z }))} />
        <TextField label="Go-live date" name="go_live_on" type="date" value={values.go_live_on} error={errors.go_live_on} required />
        <TextField label="Hypercare length (days)" name="hypercare_days" type="number" min="30" max="60" value={values.hypercare_days ?? '60'} error={errors.hypercare_days} hint="30 to 60 days after go-live; Customer Success lists the practice first meanwhile." />
        <SelectField
          label="Account manager"
          name="account_manager_id"
          value={values.account_manager_id ?? ''}
          error={errors.account_manager_id}
          options={[{ value: '', label: 'None' }, ...props.managers.map((m) => ({ value: String(m.id), label: m.name }))]}
        />
        {editing ? null : (
          <fieldset>
            <legend>First Practice Administrator</legend>
            <p class="hint">They are emailed a link to set their password (valid 3 days, usable once).</p>
            <TextField label="Name" name="admin_name" value={values.admin_name} error={errors.admin_name} required maxlength={100} />
            <TextField label="Email" name="admin_email" type="email" value={values.admin_email} error={errors.admin_email} required />
          </fieldset>
        )}
        <button type="submit" class="primary">Save</button>
        <a href="/vendor/practices">Cancel</a>
      </Form>
    </AppLayout>
  );
}

type TeamRow = { id: number; name: string; email: string; vendor_admin: boolean; active: boolean; departments: Department[] };

export function TeamPage(props: { ctx: ViewContext; team: TeamRow[]; notice?: string }) {
  return (
    <AppLayout ctx={props.ctx} title="StrataPT team">
      <div class="row">
        <h1 class="grow">StrataPT team</h1>
        <a class="button primary" href="/vendor/team/new">Add colleague</a>
      </div>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <table class="list">
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Departments</th><th scope="col">Status</th></tr></thead>
        <tbody>
          {props.team.map((u) => (
            <tr class={u.active ? undefined : 'inactive'}>
              <td><a href={`/vendor/team/${u.id}`}>{u.name}</a></td>
              <td>{u.email}</td>
              <td>{[u.vendor_admin ? 'Admin' : '', ...u.departments.map((d) => DEPARTMENTS[d])].filter(Boolean).join(', ')}</td>
              <td>{u.active ? 'Active' : 'Deactivated'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AppLayout>
  );
}

export function TeamFormPage(props: { ctx: ViewContext; memberId?: number; values: Record<string, string | undefined>; departments: string[]; errors: FieldErrors }) {
  const { ctx, values, errors, memberId } = props;
  const editing = memberId !== undefined;
  return (
    <AppLayout ctx={ctx} title={editing ? 'Edit colleague' : 'Add colleague'}>
      <h1>{editing ? 'Edit colleague' : 'Add colleague'}</h1>
      <FormErrorSummary errors={errors} />
      <Form csrf={ctx.csrf} action={editing ? `/vendor/team/${memberId}` : '/vendor/team'} class="stack">
        <TextField label="Name" name="name" value={values.name} error={errors.name} required maxlength={100} />
        <TextField label="Email" name="email" type="email" value={values.email} error={errors.email} required hint={editing ? undefined : 'They are emailed a link to set their password.'} />
        <fieldset class={errors.departments ? 'has-error' : undefined}>
          <legend>Departments</legend>
          {TEAM_DEPARTMENTS.map((d) => (
            <Checkbox label={DEPARTMENTS[d]} name="departments" value={d} checked={props.departments.includes(d)} />
          ))}
          {errors.departments ? <p class="field-error">{errors.departments}</p> : null}
        </fieldset>
        <Checkbox label="Vendor admin" name="vendor_admin" checked={!!values.vendor_admin} hint="Sees every queue, manages practices and the team." />
        {errors.vendor_admin ? <p class="field-error">{errors.vendor_admin}</p> : null}
        {editing ? <Checkbox label="Active" name="active" checked={!!values.active} hint="Clear to deactivate: they are signed out at once." /> : null}
        {errors.active ? <p class="field-error">{errors.active}</p> : null}
        <button type="submit" class="primary">Save</button>
        <a href="/vendor/team">Cancel</a>
      </Form>
    </AppLayout>
  );
}
