import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, formFields, redirectAfterPost, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { findUsableLink, setPasswordFromLink } from './password-links.ts';
import { recordAudit } from '../audit/audit.ts';
import { SetPasswordPage } from '../../views/vendor/set-password.tsx';
import { NotificationPreferencesPage } from '../../views/vendor/notifications.tsx';

/** /set-password/:token — public: the emailed token is the check. */
export function setPasswordRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.get('/:token', async (c) => {
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    const token = c.req.param('token');
    const link = await findUsableLink(db, token, clock.now());
    if (!link) return renderPage(c, <SetPasswordPage token="" expired />, 404);
    return renderPage(c, <SetPasswordPage token={token} name={link.name} email={link.email} />);
  });
  app.post('/:token', async (c) => {
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    const token = c.req.param('token');
    const now = clock.now();
    const link = await findUsableLink(db, token, now);
    if (!link) return renderPage(c, <SetPasswordPage token="" expired />, 404);
    const result = await setPasswordFromLink(db, token, await formFields(c), now, clientIp(c, config.trustProxy));
    if (!result.ok) {
      if (result.expired) return renderPage(c, <SetPasswordPage token="" expired />, 404);
      return renderPage(c, <SetPasswordPage token={token} name={link.name} email={link.email} errors={result.errors} />, 422);
    }
    return renderPage(c, <SetPasswordPage token="" done />);
  });
  return app;
}

/** /account/notifications — each signed-in user's ticket email preference. */
export function notificationPreferenceRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const user = await db.selectFrom('users').select('notify_email').where('id', '=', currentActor(c).id).executeTakeFirstOrThrow();
    return renderPage(c, <NotificationPreferencesPage ctx={await viewContext(c, deps)} notifyEmail={user.notify_email} notice={c.req.query('saved') ? 'Saved.' : undefined} />);
  });
  app.post('/', async (c) => {
    const actor = currentActor(c);
    const form = await formFields(c);
    const on = form.notify_email === 'on';
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ notify_email: on }).where('id', '=', actor.id).execute();
      await recordAudit(trx, { at: clock.now(), actor, action: 'notifications.ticket_email.changed', recordType: 'user', recordId: actor.id, details: { on } });
    });
    return redirectAfterPost(c, '/account/notifications?saved=1');
  });
  return app;
}
