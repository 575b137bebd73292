import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { OverdueBlock } from '../../src/tickets/overdue.ts';
import type { NeedsReply } from '../../src/tickets/list.ts';
import { STATUS_LABEL } from '../../src/tickets/labels.ts';
import { DeadlineCountdown, OverdueBlockPanel } from '../tickets/parts.tsx';
import { liveAttributes } from '../components/live.tsx';
import type { AppointmentChange } from '../../src/reminders/day-list.ts';
import { AppointmentChangesPanel } from './appointment-changes.tsx';

export function DashboardPage(props: { ctx: ViewContext; ticketBlock?: OverdueBlock | null; needsReply?: NeedsReply | null; appointmentChanges?: AppointmentChange[] }) {
  const { ctx } = props;
  return (
    <AppLayout ctx={ctx} title="Dashboard">
      <h1>Dashboard</h1>
      <p>Welcome, {ctx.actor.name}.</p>
      {props.needsReply ? <NeedsReplyPanel needsReply={props.needsReply} timeZone={ctx.practice?.time_zone ?? 'UTC'} /> : null}
      <section class="card" aria-labelledby="help-heading">
        <h2 id="help-heading">Need help from StrataPT?</h2>
        {ctx.may['tickets.use'] && props.ticketBlock ? (
          <>
            <p>
              <button type="button" class="primary" disabled aria-describedby="overdue-block">
                Create Thread
              </button>
            </p>
            <OverdueBlockPanel block={props.ticketBlock} timeZone={ctx.practice?.time_zone ?? 'UTC'} />
          </>
        ) : ctx.may['tickets.use'] ? (
          <p>
            <a class="button primary" href="/tickets/new">
              Create Thread
            </a>
          </p>
        ) : (
          <p>Your account has Limit Messaging Access, so you cannot create tickets. Ask your Practice Administrator.</p>
        )}
        <p class="muted">Or call StrataPT support at 866-281-7636.</p>
      </section>
      {props.appointmentChanges ? <AppointmentChangesPanel changes={props.appointmentChanges} timeZone={ctx.practice?.time_zone ?? 'UTC'} /> : null}
      {ctx.may['emergency.send'] ? (
        <section class="card" aria-labelledby="closure-heading">
          <h2 id="closure-heading">Closing unexpectedly?</h2>
          <p>
            <a href="/emergency">Send an emergency notification</a> to the patients with appointments in the affected window.
          </p>
        </section>
      ) : null}
    </AppLayout>
  );
}

/** The threads this user can see that wait on the practice, the soonest deadline first, and how many in all. The fragment live updates swap in. */
export function NeedsReplyPanel(props: { needsReply: NeedsReply; timeZone: string }) {
  const { threads, total } = props.needsReply;
  return (
    <section class="card needs-reply" id="needs-reply" aria-labelledby="needs-reply-heading" {...liveAttributes('/dashboard/needs-reply')}>
      <h2 id="needs-reply-heading">
        Needs your reply {total ? <span class="count">{total}</span> : null}
      </h2>
      {threads.length ? (
        <>
          <ul class="needs-reply-list">
            {threads.map((t) => (
              <li data-ticket-id={t.id}>
                <a href={`/tickets/${t.id}`}>{t.subject}</a> <span class="meta">#{t.id}</span>{' '}
                {t.unread ? <span class="badge unread-dot">New<span class="visually-hidden"> (unread)</span></span> : null}{' '}
                {t.countdown ? <DeadlineCountdown countdown={t.countdown} timeZone={props.timeZone} /> : <span class="meta">{STATUS_LABEL[t.status]}, no deadline</span>}
              </li>
            ))}
          </ul>
          <p>
            {total > threads.length ? <>The {threads.length} most urgent of {total} are listed here. </> : null}
            <a href="/tickets?show=needs_reply">All threads that need your practice's reply</a>
          </p>
        </>
      ) : (
        <p class="empty">Nothing needs your reply: StrataPT is not waiting on your practice in any thread you can see.</p>
      )}
    </section>
  );
}
