import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, formFields, redirectAfterPost, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireCapability, requireStaff } from '../web/guards.ts';
import { engagementSettings, saveEngagementSettings } from './settings.ts';
import { PatientEngagementSettingsPage } from '../../views/settings/patient-engagement.tsx';

/** /settings/patient-engagement: Therapy Director and above; 404 for everyone else. */
export function engagementSettingsRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('engagement.configure'));

  app.get('/', async (c) => {
    const settings = await engagementSettings(db, currentActor(c));
    const values = { balance_alert_frequency: settings.balance_alert_frequency, reminder_lead_hours: String(settings.reminder_lead_hours) };
    return renderPage(c, <PatientEngagementSettingsPage ctx={await viewContext(c, deps)} settings={settings} values={values} errors={{}} saved={c.req.query('saved') === '1'} />);
  });

  app.post('/', async (c) => {
    const actor = currentActor(c);
    const form = await formFields(c);
    const result = await saveEngagementSettings(db, actor, form, clock.now());
    if (!result.ok) {
      const settings = await engagementSettings(db, actor);
      return renderPage(c, <PatientEngagementSettingsPage ctx={await viewContext(c, deps)} settings={settings} values={form} errors={result.errors} />, 422);
    }
    return redirectAfterPost(c, '/settings/patient-engagement?saved=1');
  });
  return app;
}
