const URL_RE = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;

/** A message body with its links clickable, so a captured balance alert leads to the portal. */
export function MessageBody(props: { body: string }) {
  const parts = props.body.split(URL_RE);
  return (
    <div class="message-body">
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a href={part} rel="noopener noreferrer">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </div>
  );
}

export function StatusBadge(props: { status: string; label: string }) {
  return <span class={`status status-${props.status}`}>{props.label}</span>;
}
