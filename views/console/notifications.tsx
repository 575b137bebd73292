import { AppLayout } from '../layouts/app.tsx';
import { Form, Checkbox } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';

/** Per-user ticket email preference. */
export function NotificationPreferencesPage(props: { ctx: ViewContext; notifyEmail: boolean; notice?: string }) {
  const vendor = props.ctx.actor.kind === 'vendor';
  return (
    <AppLayout ctx={props.ctx} title="Ticket emails">
      <p><a href="/account">← My account</a></p>
      <h1>Ticket emails</h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <p>
        {vendor
          ? 'When on, you are emailed about new threads and practice replies in your departments and practices, and when a thread goes Overdue.'
          : 'When on, you are emailed when StrataPT replies to a thread you can see, shortly before a required response is due, and when it becomes Overdue.'}{' '}
        The emails only say that something happened on a ticket number, never its subject or text.
      </p>
      <Form csrf={props.ctx.csrf} action="/account/notifications" class="stack">
        <input type="hidden" name="submitted" value="1" />
        <Checkbox label="Email me about tickets" name="notify_email" checked={props.notifyEmail} />
        <button type="submit" class="primary">Save</button>
      </Form>
    </AppLayout>
  );
}
