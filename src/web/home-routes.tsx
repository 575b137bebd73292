import { Hono } from 'hono';
import type { AppDeps, AppEnv } from './types.ts';
import { currentActor, renderFragment, renderPage } from './http.ts';
import { viewContext } from './context.ts';
import { requireStaff, requireCapability } from './guards.ts';
import { listThreadsNeedingReply } from '../tickets/list.ts';
import { loadDashboard } from './dashboard.ts';
import { DashboardPage, NeedsReplyPanel } from '../../views/dashboard/dashboard.tsx';
import { SettingsIndexPage } from '../../views/settings/index.tsx';

export function homeRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', (c) => c.redirect(currentActor(c).kind === 'vendor' ? '/vendor' : '/dashboard'));
  app.get('/dashboard', requireStaff, async (c) => {
    const { needsReply, appointmentChanges, ticketBlock } = await loadDashboard(deps.db, currentActor(c), deps.clock.now());
    return renderPage(c, <DashboardPage ctx={await viewContext(c, deps)} ticketBlock={ticketBlock} needsReply={needsReply} appointmentChanges={appointmentChanges} />);
  });
  // The panel alone, for live updates and polling (views/components/live.tsx).
  app.get('/dashboard/needs-reply', requireStaff, requireCapability('tickets.use'), async (c) => {
    const actor = currentActor(c);
    const ctx = await viewContext(c, deps);
    return renderFragment(c, <NeedsReplyPanel needsReply={await listThreadsNeedingReply(deps.db, actor, deps.clock.now())} timeZone={ctx.practice?.time_zone ?? 'UTC'} />);
  });
  app.get('/settings', requireStaff, requireCapability('settings.view'), async (c) =>
    renderPage(c, <SettingsIndexPage ctx={await viewContext(c, deps)} />),
  );
  return app;
}
