import { Base } from '../layouts/base.tsx';
import type { DemoLogin } from '../../src/demo/people.ts';

export function LoginPage(props: {
  next?: string;
  email?: string;
  error?: string;
  demoLogins: DemoLogin[];
}) {
  return (
    <Base title="Sign in">
      <main id="main" class="narrow">
        <h1>Sign in to StrataEMR</h1>
        {props.error ? (
          <div class="error-summary" role="alert">
            <p>{props.error}</p>
          </div>
        ) : null}
        <form method="post" action="/login" class="stack">
          <input type="hidden" name="next" value={props.next ?? ''} />
          <div class="field">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required value={props.email ?? ''} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
          </div>
          <button type="submit" class="primary">Sign in</button>
        </form>
        <p class="muted">Support by phone: 866-281-7636</p>
        {props.demoLogins.length ? (
          <section class="demo-logins" aria-labelledby="demo-heading">
            <h2 id="demo-heading">Demo logins</h2>
            <p>
              Every demo account uses the password <code>strata-demo-1</code>.
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Who</th>
                </tr>
              </thead>
              <tbody>
                {props.demoLogins.map((l) => (
                  <tr>
                    <td>
                      <code>{l.email}</code>
                    </td>
                    <td>{l.name}</td>
                    <td>{l.who}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ) : null}
      </main>
    </Base>
  );
}
