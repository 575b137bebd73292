import type { Child } from 'hono/jsx';
import type { Language } from '../../src/db/schema.ts';
import { t } from '../../src/intl.ts';

/**
 * The patient portal's own shell: mobile first, no staff menu, no scripts. Patients arrive from a
 * text on a phone; everything works with a plain form post. Every word is in the patient's
 * language (docs/rules.md, Language); `path`, when given, adds the language switch, which comes back to it.
 */
export function PortalLayout(props: { lang: Language; path?: string; title: string; practiceName?: string; children: Child; signOut?: { csrf: string } }) {
  const { lang } = props;
  const other: Language = lang === 'es' ? 'en' : 'es';
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}{props.practiceName ? ` · ${props.practiceName}` : ''}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body class="portal">
        <a class="skip-link" href="#main">{t(lang, 'portal.layout.skip')}</a>
        <header class="portal-bar">
          <span class="portal-practice">{props.practiceName ?? t(lang, 'portal.layout.portal')}</span>
          {props.path ? (
            <nav aria-label={t(lang, 'portal.layout.language')} class="portal-language">
              <a href={`/portal/language?lang=${other}&next=${encodeURIComponent(props.path)}`} lang={other} hreflang={other} data-testid="language-switch">
                {t(lang, 'portal.layout.switchTo')}
              </a>
            </nav>
          ) : null}
          {props.signOut ? (
            <form method="post" action="/portal/sign-out">
              <input type="hidden" name="_csrf" value={props.signOut.csrf} />
              <button type="submit" class="link">{t(lang, 'portal.layout.signOut')}</button>
            </form>
          ) : null}
        </header>
        <main id="main" class="portal-main">
          {props.children}
        </main>
        <footer class="portal-footer">
          <p>{t(lang, 'portal.layout.footer')}</p>
        </footer>
      </body>
    </html>
  );
}

export function PhoneLink(props: { phone: string }) {
  const digits = props.phone.replace(/[^\d+]/g, '');
  return <a href={`tel:${digits.startsWith('+') ? digits : '+1' + digits}`}>{props.phone}</a>;
}
