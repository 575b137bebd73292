import { Base } from '../layouts/base.tsx';
import { TextField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import { MIN_PASSWORD_LENGTH } from '../../src/auth/labels.ts';

/** Public page from an invitation email; it carries no session, so the token in the URL is the check. */
export function SetPasswordPage(props: { token: string; name?: string; email?: string; errors?: FieldErrors; expired?: boolean; done?: boolean }) {
  const errors = props.errors ?? {};
  return (
    <Base title="Set your password">
      <main id="main" class="narrow">
        <h1>Set your password</h1>
        {props.done ? (
          <>
            <p class="notice" role="status">Your password is set.</p>
            <p><a class="button primary" href="/login">Sign in</a></p>
          </>
        ) : props.expired ? (
          <p class="warning">This link has expired or was already used. Ask StrataPT or your Practice Administrator for a new one, or call 866-281-7636.</p>
        ) : (
          <>
            <p>
              {props.name} · {props.email}
            </p>
            <FormErrorSummary errors={errors} />
            <form method="post" action={`/set-password/${props.token}`} class="stack">
              <input type="text" name="username" autocomplete="username" value={props.email} hidden />
              <TextField label="New password" name="password" type="password" autocomplete="new-password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} error={errors.password} required />
              <TextField label="New password again" name="confirm" type="password" autocomplete="new-password" error={errors.confirm} required />
              <button type="submit" class="primary">Set password</button>
            </form>
          </>
        )}
      </main>
    </Base>
  );
}
