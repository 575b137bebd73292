import { Base } from '../layouts/base.tsx';

export const DEMO_LOGINS: { email: string; name: string; who: string }[] = [
  { email: 'owner@riverside.example', name: 'Olivia Owens', who: 'Business Owner, Riverside' },
  { email: 'admin@riverside.example', name: 'Adam Alvarez', who: 'Practice Administrator, Reporting' },
  { email: 'director@riverside.example', name: 'Diana Diaz', who: 'Therapy Director' },
  { email: 'pt@riverside.example', name: 'Paul Torres', who: 'Clinician' },
  { email: 'frontdesk@riverside.example', name: 'Fiona Desmond', who: 'Front Desk' },
  { email: 'limited@riverside.example', name: 'Liam Lim', who: 'Front Desk, Limit Messaging Access' },
  { email: 'admin@summit.example', name: 'Sam Summers', who: 'Practice Administrator, Summit' },
  { email: 'billing@stratapt.example', name: 'Ben Ortiz', who: 'StrataPT Billing/Patient' },
  { email: 'success@stratapt.example', name: 'Sofia Castillo', who: 'StrataPT Customer Success, account manager of Riverside' },
  { email: 'support@stratapt.example', name: 'Tom Becker', who: 'StrataPT Technical Support' },
  { email: 'product@stratapt.example', name: 'Priya Nair', who: 'StrataPT Product' },
  { email: 'root@stratapt.example', name: 'Rita Okafor', who: 'StrataPT admin' },
];

export function LoginPage(props: {
  next?: string;
  email?: string;
  error?: string;
  demoLogins: typeof DEMO_LOGINS;
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
