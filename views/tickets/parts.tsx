import type { OverdueBlock } from '../../src/tickets/overdue.ts';
import { zonedMinuteFormat } from '../../src/intl.ts';
import type { Countdown } from '../../src/tickets/countdown.ts';

export const SUPPORT_PHONE = '866-281-7636';

const LOCAL = zonedMinuteFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });

/** "Mon, Nov 23, 2026, 9:00 AM CST" in the practice's time zone. */
export function formatLocal(at: Date, timeZone: string): string {
  return LOCAL(at, timeZone);
}

/** "reply within 3 h 20 min" (amber under four hours) or a red Overdue; the exact time on hover and for screen readers. */
export function DeadlineCountdown(props: { countdown: Countdown; timeZone: string }) {
  const { countdown } = props;
  const exact = formatLocal(countdown.dueAt, props.timeZone);
  const title = countdown.tone === 'overdue' ? `Response was due ${exact}` : `Response due ${exact}`;
  return (
    <time class={`countdown ${countdown.tone === 'overdue' ? 'overdue' : countdown.tone}`} datetime={countdown.dueAt.toISOString()} title={title}>
      {countdown.text}
      <span class="visually-hidden"> ({title})</span>
    </time>
  );
}

/** Why nobody at the practice can start a thread right now, and what to do about it. */
export function OverdueBlockPanel(props: { block: OverdueBlock; timeZone: string }) {
  const { block } = props;
  const total = block.visible.length + block.hidden.count;
  return (
    <div class="blocked" id="overdue-block" role="status">
      <p>
        <strong>New threads are blocked.</strong> {total === 1 ? 'A thread' : `${total} threads`} of your practice{' '}
        {total === 1 ? 'is' : 'are'} <span class="overdue">Overdue</span>: StrataPT required a response and has not received it. Responding to{' '}
        {total === 1 ? 'the overdue thread' : 'each overdue thread'} clears the restriction at once.
      </p>
      {block.visible.length ? (
        <ul class="link-list">
          {block.visible.map((t) => (
            <li>
              <a href={`/tickets/${t.id}`}>{t.subject}</a> <span class="meta">(#{t.id}, response was due {formatLocal(t.response_due_at, props.timeZone)})</span>
            </li>
          ))}
        </ul>
      ) : null}
      {block.hidden.count ? (
        <p>
          {block.hidden.count === 1 ? 'One overdue thread is' : `${block.hidden.count} overdue threads are`} not visible to you.{' '}
          {block.hidden.answerers.length ? (
            <>
              {block.hidden.answerers.length === 1 ? 'This person can' : 'These people can'} answer {block.hidden.count === 1 ? 'it' : 'them'}:{' '}
              <strong>{block.hidden.answerers.join(', ')}</strong>.
            </>
          ) : (
            <>Nobody at your practice can currently see {block.hidden.count === 1 ? 'it' : 'them'}: call StrataPT support at {SUPPORT_PHONE}.</>
          )}
        </p>
      ) : null}
    </div>
  );
}
