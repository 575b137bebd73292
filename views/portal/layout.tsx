import type { Child } from 'hono/jsx';

/**
 * The patient portal's own shell: mobile first, no staff menu, no scripts. Patients arrive from a
 * text on a phone; everything works with a plain form post.
 */
export function PortalLayout(props: { title: string; practiceName?: string; children: Child; signOut?: { csrf: string } }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}{props.practiceName ? ` · ${props.practiceName}` : ''}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body class="portal">
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="portal-bar">
          <span class="portal-practice">{props.practiceName ?? 'Patient portal'}</span>
          {props.signOut ? (
            <form method="post" action="/portal/sign-out">
              <input type="hidden" name="_csrf" value={props.signOut.csrf} />
              <button type="submit" class="link">Sign out</button>
            </form>
          ) : null}
        </header>
        <main id="main" class="portal-main">
          {props.children}
        </main>
        <footer class="portal-footer">
          <p>Secure patient portal. Nothing here is saved on this device.</p>
        </footer>
      </body>
    </html>
  );
}

export function PhoneLink(props: { phone: string }) {
  const digits = props.phone.replace(/[^\d+]/g, '');
  return <a href={`tel:${digits.startsWith('+') ? digits : '+1' + digits}`}>{props.phone}</a>;
}
