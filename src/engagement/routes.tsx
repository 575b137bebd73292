import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, isHtmx, redirectAfterPost, renderFragment, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireStaff, requireCapability } from '../web/guards.ts';
import { NotFound } from '../web/errors.ts';
import { isChannel, isMessageKind } from './kinds.ts';
import { loadEngagement, setSubscription } from './subscriptions.ts';
import { deliverabilityReport } from './deliverability.ts';
import { listPatientMessages, shownMessage } from '../messaging/messages.ts';
import { disabledPortalLinks } from '../portal/access.ts';
import { EngagementPage, EngagementPanel } from '../../views/engagement/engagement.tsx';
import { DeliverabilityPage } from '../../views/engagement/deliverability.tsx';
import { idParam } from '../web/params.ts';

// Mounted at '/': each route names its full path and carries its own guards, so nothing here
// applies to other paths.

export function engagementRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();

  app.get('/patients/:id/engagement', requireStaff, async (c) => renderEngagement(c, deps, idParam(c.req.param('id'))));

  // A subscription is a resource: POST turns it on, POST …/delete turns it off (the app's one way to delete).
  const toggle = async (c: Context<AppEnv>, subscribed: boolean) => {
    const patientId = idParam(c.req.param('id'));
    const kind = c.req.param('kind') ?? '';
    const channel = c.req.param('channel') ?? '';
    if (!isMessageKind(kind) || !isChannel(channel)) throw new NotFound();
    const result = await setSubscription(db, currentActor(c), { patientId, kind, channel, subscribed, ip: clientIp(c, config.trustProxy) }, clock.now());
    const error = result.ok ? undefined : result.error;
    if (isHtmx(c)) {
      const e = await loadEngagement(db, currentActor(c), patientId);
      return renderFragment(c, <EngagementPanel ctx={await viewContext(c, deps)} e={e} error={error} />, error ? 422 : 200);
    }
    if (error) return renderEngagement(c, deps, patientId, error);
    return redirectAfterPost(c, `/patients/${patientId}/engagement`);
  };
  const path = '/patients/:id/engagement/subscriptions/:kind/:channel';
  app.post(path, requireStaff, async (c) => toggle(c, true));
  app.post(`${path}/delete`, requireStaff, async (c) => toggle(c, false));

  app.get('/settings/deliverability', requireStaff, requireCapability('deliverability.view'), async (c) => {
    const report = await deliverabilityReport(db, currentActor(c), clock.now());
    return renderPage(c, <DeliverabilityPage ctx={await viewContext(c, deps)} rows={report.rows} timeZone={report.timeZone} />);
  });
  return app;
}

async function renderEngagement(c: Context<AppEnv>, deps: AppDeps, patientId: number, error?: string) {
  const actor = currentActor(c);
  const e = await loadEngagement(deps.db, actor, patientId);
  // The Engagement tab hides every portal link, live ones included (docs/rules.md, Portal access).
  const messages = (await listPatientMessages(deps.db, actor, patientId)).map((m) => shownMessage(m, deps.config.publicUrl, true));
  const disabledLinks = await disabledPortalLinks(deps.db, actor, e.patient.id);
  return renderPage(c, <EngagementPage ctx={await viewContext(c, deps)} e={e} messages={messages} disabledLinks={disabledLinks} error={error} />, error ? 422 : 200);
}
