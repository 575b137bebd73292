import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, formFields, redirectAfterPost, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireStaff, requireCapability } from '../web/guards.ts';
import { answerReminderByLink, readReplyLink } from './replies.ts';
import { appointmentChangeEmailsOn, setAppointmentChangeEmails, tomorrowsAppointments } from './day-list.ts';
import { ReplyPage } from '../../views/reminders/reply.tsx';
import { DayListPage } from '../../views/reminders/day-list.tsx';
import type { AppointmentAnswer } from '../db/schema.ts';

// A reminder email's two links, public by name in guards.ts: the token is the proof. Opening a link
// shows one button; only the POST answers (a mail scanner that follows links answers nothing).

const ACTIONS: Record<string, AppointmentAnswer> = { confirm: 'confirmed', reschedule: 'reschedule' };

export function appointmentReplyRoutes(deps: AppDeps) {
  const { db, clock, config, logger } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('Cache-Control', 'no-store, max-age=0');
    c.res.headers.set('Referrer-Policy', 'no-referrer');
    c.res.headers.set('X-Robots-Tag', 'noindex, nofollow');
  });

  const statusOf = (state: string) => (state === 'invalid' ? 404 : state === 'expired' ? 409 : 200);

  app.get('/:token/:action{confirm|reschedule}', async (c) => {
    const token = c.req.param('token');
    const action = ACTIONS[c.req.param('action')]!;
    const link = await readReplyLink(db, clock.now(), token);
    if (link.state === 'open') return renderPage(c, <ReplyPage {...link} action={action} token={token} />);
    return renderPage(c, <ReplyPage {...link} />, statusOf(link.state));
  });

  app.post('/:token/:action{confirm|reschedule}', async (c) => {
    const answer = ACTIONS[c.req.param('action')]!;
    const outcome = await answerReminderByLink(db, clock.now(), c.req.param('token'), answer, config.publicUrl);
    if (outcome.state === 'answered') logger.info({ reqId: c.get('requestId'), answer }, 'reminder answered by link');
    return renderPage(c, <ReplyPage {...outcome} />, statusOf(outcome.state));
  });
  return app;
}

/** The front desk's day list of tomorrow's appointments, with the answers to their reminders. */
export function dayListRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('patients.view'));

  app.get('/tomorrow', async (c) => {
    const actor = currentActor(c);
    const { date, rows } = await tomorrowsAppointments(db, actor, clock.now());
    const notice = c.req.query('saved') ? 'Saved.' : undefined;
    return renderPage(c, <DayListPage ctx={await viewContext(c, deps)} date={date} rows={rows} emailsOn={await appointmentChangeEmailsOn(db, actor)} notice={notice} />);
  });

  app.post('/tomorrow/emails', async (c) => {
    const form = await formFields(c);
    await setAppointmentChangeEmails(db, currentActor(c), { on: form.on === 'on', now: clock.now() });
    return redirectAfterPost(c, '/appointments/tomorrow?saved=1');
  });
  return app;
}
