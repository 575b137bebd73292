import type { Child } from 'hono/jsx';

/** The document shell. htmx boosts links and forms; the CSRF token rides on every htmx request. */
export function Base(props: { title: string; csrf?: string; children: Child; bodyClass?: string; lang?: string }) {
  const hxHeaders = props.csrf ? JSON.stringify({ 'X-CSRF-Token': props.csrf }) : undefined;
  return (
    <html lang={props.lang ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"includeIndicatorCSS":false}' />
        <title>{props.title} · StrataEMR</title>
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/hx-sse.min.js" defer></script>
        <script src="/static/app.js" defer></script>
      </head>
      <body class={props.bodyClass} hx-boost:inherited="true" {...(hxHeaders ? { 'hx-headers:inherited': hxHeaders } : {})}>
        <a class="skip-link" href="#main">Skip to content</a>
        {props.children}
      </body>
    </html>
  );
}
