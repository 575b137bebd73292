import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireStaff, requireCapability } from '../web/guards.ts';
import { exportPatientEmailReport, parseReportFilter, recentExports, reportFilename } from './patient-email.ts';
import { ReportsIndexPage, PatientEmailReportPage } from '../../views/reports/reports.tsx';

export function reportRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('reports.run'));

  app.get('/', async (c) => renderPage(c, <ReportsIndexPage ctx={await viewContext(c, deps)} />));

  app.get('/patient-email', async (c) =>
    renderPage(c, <PatientEmailReportPage ctx={await viewContext(c, deps)} filter="active" exports={await recentExports(db, currentActor(c))} />),
  );

  app.get('/patient-email.csv', async (c) => {
    const actor = currentActor(c);
    const filter = parseReportFilter(c.req.query('status'));
    if (!filter) {
      return renderPage(
        c,
        <PatientEmailReportPage ctx={await viewContext(c, deps)} filter="active" error="Choose active patients or all patients." exports={await recentExports(db, actor)} />,
        422,
      );
    }
    const now = clock.now();
    const filename = await reportFilename(db, actor, now);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${filename}"`);
    c.header('X-Content-Type-Options', 'nosniff');
    const ip = clientIp(c, config.trustProxy);
    return stream(c, async (s) => {
      let aborted = false;
      s.onAbort(() => {
        aborted = true;
      });
      await exportPatientEmailReport(db, actor, filter, now, (chunk) => s.write(chunk), { ip, aborted: () => aborted });
    }, async (err) => {
      deps.logger.error({ err: { message: err.message } }, 'patient email report failed');
    });
  });
  return app;
}
