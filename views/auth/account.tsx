import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { MIN_PASSWORD_LENGTH } from '../../src/auth/labels.ts';

export function AccountPage(props: { ctx: ViewContext; errors?: FieldErrors; notice?: string }) {
  const errors = props.errors ?? {};
  return (
    <AppLayout ctx={props.ctx} title="My account">
      <h1>My account</h1>
      <p>
        {props.ctx.actor.name} · {props.ctx.actor.email}
      </p>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <p>
        <a href="/account/notifications">Ticket emails</a>: choose whether you are emailed about tickets.
      </p>
      <h2>Change password</h2>
      <FormErrorSummary errors={errors} />
      <Form csrf={props.ctx.csrf} action="/account/password" class="stack">
        <TextField label="Current password" name="current" type="password" autocomplete="current-password" error={errors.current} required />
        <TextField label="New password" name="password" type="password" autocomplete="new-password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} error={errors.password} required />
        <TextField label="New password again" name="confirm" type="password" autocomplete="new-password" error={errors.confirm} required />
        <button type="submit" class="primary">Change password</button>
      </Form>
    </AppLayout>
  );
}
