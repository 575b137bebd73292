// Portal links in outbox messages. A message is stored with PORTAL_TOKEN_PLACEHOLDER where the link's
// token goes (`https://app/portal/{portal-link-token}`), so nothing a staff member can read (the
// patient's Engagement tab, Sent Messages, a database export of bodies) opens the patient's portal.
// The token waits beside it in outbox_messages.portal_link_token, which no page selects, and is put
// into the text only in the envelope handed to the transport at send time; the dispatcher clears the
// column once the row is sent or cancelled.
//
// The captured transport (no provider configured: demo and development) is the one exception: its
// "delivery" is the stored row, so the row keeps the live link and Sent Messages says so.

export const PORTAL_TOKEN_PLACEHOLDER = '{portal-link-token}';

/** The portal URL to write into a message body: the placeholder stands for the token. */
export function portalLinkPlaceholderUrl(publicUrl: string): string {
  return `${publicUrl}/portal/${PORTAL_TOKEN_PLACEHOLDER}`;
}

/** The text with the live token in place of the placeholder (only for the payload that leaves). */
export function withPortalLinkToken<T extends string | null>(text: T, token: string | null): T {
  if (text == null || !token) return text;
  return text.split(PORTAL_TOKEN_PLACEHOLDER).join(token) as T;
}

/** A URL staff pages show as "portal link (hidden)": a placeholder or a live portal token. */
export function isPortalLinkUrl(url: string): boolean {
  return url.includes(PORTAL_TOKEN_PLACEHOLDER) || /\/portal\/[A-Za-z0-9_-]{20,}$/.test(url);
}

/** A message body as staff pages show it: text, links, and portal links that stay hidden. */
export type BodyPart = { text: string } | { link: string } | { hiddenLink: true };

const URL_RE = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;

/**
 * The body cut into text and links. A portal link whose token is only a placeholder, and with
 * `hideLivePortalLinks` (the patient's Engagement tab) every portal link, is hidden.
 */
export function messageBodyParts(body: string, hideLivePortalLinks = false): BodyPart[] {
  return body
    .split(URL_RE)
    .map((part, i) =>
      i % 2 === 0 ? { text: part } : part.includes(PORTAL_TOKEN_PLACEHOLDER) || (hideLivePortalLinks && isPortalLinkUrl(part)) ? { hiddenLink: true as const } : { link: part },
    );
}
