import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, pageNumber, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireCapability, requireStaff, requireVendor } from '../web/guards.ts';
import { listAuditActions, parseAuditFilters, searchAuditLog } from './search.ts';
import { AuditPageView } from '../../views/audit/audit.tsx';

/** Settings → Audit trail: Practice Administrators and above, their practice only. */
export function practiceAuditRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('audit.view'));
  app.get('/', (c) => auditPage(c, deps, '/settings/audit', false));
  return app;
}

/** The vendor console's audit trail: vendor admins, every practice. */
export function vendorAuditRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', requireVendor, requireCapability('vendor.admin'), requireCapability('audit.view'));
  app.get('/', (c) => auditPage(c, deps, '/vendor/audit', true));
  return app;
}

async function auditPage(c: Context<AppEnv>, deps: AppDeps, basePath: string, vendor: boolean) {
  const actor = currentActor(c);
  const parsed = parseAuditFilters(c.req.query());
  const [result, actions, ctx] = await Promise.all([
    parsed.ok ? searchAuditLog(deps.db, actor, parsed.filters, pageNumber(c.req.query('page'))) : Promise.resolve(null),
    listAuditActions(deps.db, actor),
    viewContext(c, deps),
  ]);
  const errors = parsed.ok ? {} : parsed.errors;
  return renderPage(
    c,
    <AuditPageView ctx={ctx} basePath={basePath} filters={parsed.filters} errors={errors} result={result} actions={actions} vendor={vendor} />,
    parsed.ok ? 200 : 422,
  );
}
