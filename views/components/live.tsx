
// Live updates on the page (docs/rules.md, "Live updates"): one server-sent event stream per page
// (htmx 4's hx-sse extension, static/hx-sse.min.js) dispatches "ticket-changed" events that bubble
// to <body>; each live part re-fetches itself with the user's own session when one arrives, and
// every 30 seconds anyway, the fallback when the stream is down.

export const LIVE_TRIGGER = 'ticket-changed from:body, every 30s';

/** The page's connection to /live/tickets; the server ends it with "session-ended" on sign-out. */
export function LiveConnection() {
  return <div id="live" hidden hx-sse:connect="/live/tickets" hx-sse:close="session-ended"></div>;
}

/** Get Help's unread count in the Menu Bar. */
export function UnreadBadge(props: { count: number }) {
  return (
    <span id="unread-badge" hx-get="/tickets/unread-badge" hx-trigger={LIVE_TRIGGER} hx-swap="outerHTML">
      {props.count ? (
        <span class="badge" aria-label={`${props.count} unread`}>
          {props.count}
        </span>
      ) : null}
    </span>
  );
}

/** The attributes that make an element re-fetch itself from `url` when a thread changes. */
export function liveAttributes(url: string): Record<string, string> {
  return { 'hx-get': url, 'hx-trigger': LIVE_TRIGGER, 'hx-swap': 'outerHTML' };
}

