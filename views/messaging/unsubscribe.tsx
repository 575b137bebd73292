import { Base } from '../layouts/base.tsx';

/** The page an email's unsubscribe link opens: confirm with one button (mail clients may post directly). */
export function UnsubscribePage(props: { token: string; state: 'confirm' | 'done' | 'invalid'; practiceName?: string; kindLabel?: string }) {
  return (
    <Base title="Unsubscribe">
      <main id="main" class="narrow">
        {props.state === 'invalid' ? (
          <>
            <h1>Link not recognised</h1>
            <p>This unsubscribe link is not valid. Please call the practice to change which messages you receive.</p>
          </>
        ) : props.state === 'done' ? (
          <>
            <h1>You are unsubscribed</h1>
            <p role="status">
              {props.practiceName} will send you no more {props.kindLabel?.toLowerCase()} by email. To receive them again, ask the practice.
            </p>
          </>
        ) : (
          <>
            <h1>Unsubscribe</h1>
            <p>
              Stop receiving {props.kindLabel?.toLowerCase()} by email from {props.practiceName}?
            </p>
            <form method="post" action={`/unsubscribe/${props.token}`}>
              <button type="submit" class="primary">Unsubscribe</button>
            </form>
          </>
        )}
      </main>
    </Base>
  );
}
