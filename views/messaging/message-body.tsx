import type { BodyPart } from '../../src/messaging/portal-link-token.ts';

/**
 * A message body with its links clickable, so a captured balance alert leads to the portal. The
 * loader decides which portal links stay hidden (`messageBodyParts`, src/messaging/portal-link-token.ts):
 * they show as "portal link (hidden)".
 */
export function MessageBody(props: { parts: BodyPart[] }) {
  return (
    <div class="message-body">
      {props.parts.map((part) =>
        'text' in part ? (
          part.text
        ) : 'hiddenLink' in part ? (
          <span class="hidden-link">portal link (hidden)</span>
        ) : (
          <a href={part.link} rel="noopener noreferrer">
            {part.link}
          </a>
        ),
      )}
    </div>
  );
}

export function StatusBadge(props: { status: string; label: string }) {
  return <span class={`status status-${props.status}`}>{props.label}</span>;
}
