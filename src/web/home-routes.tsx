import { Hono } from 'hono';
import type { AppDeps, AppEnv } from './types.ts';
import { currentActor, renderPage } from './http.ts';
import { viewContext } from './context.ts';
import { requireStaff, requireCapability } from './guards.ts';
import { can } from '../auth/permissions.ts';
import { findOverdueBlock } from '../tickets/overdue.ts';
import { appointmentChanges } from '../reminders/day-list.ts';
import { DashboardPage } from '../../views/dashboard/dashboard.tsx';
import { SettingsIndexPage } from '../../views/settings/index.tsx';

export function homeRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', (c) => c.redirect(currentActor(c).kind === 'vendor' ? '/vendor' : '/dashboard'));
  app.get('/dashboard', requireStaff, async (c) => {
    const actor = currentActor(c);
    const ticketBlock = can(actor, 'tickets.use') ? await findOverdueBlock(deps.db, actor, deps.clock.now()) : null;
    const changes = await appointmentChanges(deps.db, actor, deps.clock.now());
    return renderPage(c, <DashboardPage ctx={await viewContext(c, deps)} ticketBlock={ticketBlock} appointmentChanges={changes} />);
  });
  app.get('/settings', requireStaff, requireCapability('settings.view'), async (c) =>
    renderPage(c, <SettingsIndexPage ctx={await viewContext(c, deps)} />),
  );
  return app;
}
