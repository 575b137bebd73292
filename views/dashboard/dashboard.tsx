import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { can } from '../../src/auth/permissions.ts';
import type { OverdueBlock } from '../../src/tickets/overdue.ts';
import { OverdueBlockPanel } from '../tickets/parts.tsx';
import type { AppointmentChange } from '../../src/reminders/day-list.ts';
import { AppointmentChangesPanel } from './appointment-changes.tsx';

export function DashboardPage(props: { ctx: ViewContext; ticketBlock?: OverdueBlock | null; appointmentChanges?: AppointmentChange[] }) {
  const { ctx } = props;
  return (
    <AppLayout ctx={ctx} title="Dashboard">
      <h1>Dashboard</h1>
      <p>Welcome, {ctx.actor.name}.</p>
      <section class="card" aria-labelledby="help-heading">
        <h2 id="help-heading">Need help from StrataPT?</h2>
        {can(ctx.actor, 'tickets.use') && props.ticketBlock ? (
          <>
            <p>
              <button type="button" class="primary" disabled aria-describedby="overdue-block">
                Create Thread
              </button>
            </p>
            <OverdueBlockPanel block={props.ticketBlock} timeZone={ctx.practice?.time_zone ?? 'UTC'} />
          </>
        ) : can(ctx.actor, 'tickets.use') ? (
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
      {can(ctx.actor, 'emergency.send') ? (
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
