import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, SelectField, Checkbox, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { StaffRow } from '../../src/staff/staff.ts';
import { MIN_PASSWORD_LENGTH, ROLES } from '../../src/auth/labels.ts';

export function StaffListPage(props: { ctx: ViewContext; staff: StaffRow[] }) {
  return (
    <AppLayout ctx={props.ctx} title="Staff">
      <h1>Staff</h1>
      <p>
        <a class="button primary" href="/settings/staff/new">
          Add staff member
        </a>
      </p>
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Flags</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {props.staff.map((s) => (
            <tr class={s.active ? undefined : 'inactive'}>
              <td>
                <a href={`/settings/staff/${s.id}`}>{s.name}</a>
              </td>
              <td>{s.email}</td>
              <td>{ROLES[s.role]}</td>
              <td>{[s.limit_messaging ? 'Limit Messaging Access' : '', s.reporting ? 'Reporting' : ''].filter(Boolean).join(', ')}</td>
              <td>{s.active ? 'Active' : 'Deactivated'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AppLayout>
  );
}

export function StaffFormPage(props: { ctx: ViewContext; memberId?: number; values: Record<string, string | undefined>; errors: FieldErrors }) {
  const { values, errors, memberId } = props;
  const editing = memberId !== undefined;
  const roleOptions = Object.entries(ROLES)
    .filter(([level]) => Number(level) <= (props.ctx.actor.role ?? 0))
    .map(([level, label]) => ({ value: level, label }));
  return (
    <AppLayout ctx={props.ctx} title={editing ? 'Edit staff member' : 'Add staff member'}>
      <h1>{editing ? 'Edit staff member' : 'Add staff member'}</h1>
      <FormErrorSummary errors={errors} />
      <Form csrf={props.ctx.csrf} action={editing ? `/settings/staff/${memberId}` : '/settings/staff'} class="stack">
        <TextField label="Name" name="name" value={values.name} error={errors.name} required maxlength={100} />
        <TextField label="Email" name="email" type="email" value={values.email} error={errors.email} required />
        <SelectField label="Role" name="role" value={values.role} options={roleOptions} error={errors.role} />
        <Checkbox label="Limit Messaging Access" name="limit_messaging" checked={!!values.limit_messaging} hint="Cannot see or create tickets." />
        <Checkbox label="Reporting" name="reporting" checked={!!values.reporting} hint="May run reports such as the Patient Email Report." />
        {editing ? (
          <>
            <Checkbox label="Active" name="active" checked={!!values.active} hint="Clear to deactivate: the person is signed out and can no longer sign in." />
            {errors.active ? <p class="field-error">{errors.active}</p> : null}
          </>
        ) : (
          <TextField label="Temporary password" name="password" type="password" autocomplete="new-password" hint={`At least ${MIN_PASSWORD_LENGTH} characters; they can change it under My account.`} error={errors.password} required />
        )}
        <button type="submit" class="primary">
          Save
        </button>
        <a href="/settings/staff">Cancel</a>
      </Form>
    </AppLayout>
  );
}
