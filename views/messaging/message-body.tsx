import { PORTAL_TOKEN_PLACEHOLDER, isPortalLinkUrl } from '../../src/messaging/portal-link-token.ts';

const URL_RE = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;

/**
 * A message body with its links clickable, so a captured balance alert leads to the portal. A portal
 * link whose token is only a placeholder (src/messaging/portal-link-token.ts), and with
 * `hidePortalLinks` every portal link, shows as "portal link (hidden)".
 */
export function MessageBody(props: { body: string; hidePortalLinks?: boolean }) {
  const parts = props.body.split(URL_RE);
  return (
    <div class="message-body">
      {parts.map((part, i) =>
        i % 2 === 0 ? (
          part
        ) : part.includes(PORTAL_TOKEN_PLACEHOLDER) || (props.hidePortalLinks && isPortalLinkUrl(part)) ? (
          <span class="hidden-link">portal link (hidden)</span>
        ) : (
          <a href={part} rel="noopener noreferrer">
            {part}
          </a>
        ),
      )}
    </div>
  );
}

export function StatusBadge(props: { status: string; label: string }) {
  return <span class={`status status-${props.status}`}>{props.label}</span>;
}
