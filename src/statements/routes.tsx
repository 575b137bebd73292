import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, pdfResponse, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireStaff, requireVendor, requireCapability } from '../web/guards.ts';
import { idParam } from '../web/params.ts';
import { findStatementPatient, listPatientStatements, listPrintBatches, printBatchPdf, staffStatementPdf } from './access.ts';
import { PatientStatementsPage, PrintBatchesPage } from '../../views/statements/statements.tsx';

/** The patient's Statements tab: /patients/:id/statements. */
export function patientStatementRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('/:id/statements', requireStaff, requireCapability('patients.view'));
  app.use('/:id/statements/*', requireStaff, requireCapability('patients.view'));

  app.get('/:id/statements', async (c) => {
    const actor = currentActor(c);
    const patientId = idParam(c.req.param('id'));
    const patient = await findStatementPatient(db, actor, patientId);
    return renderPage(c, <PatientStatementsPage ctx={await viewContext(c, deps)} patient={patient} statements={await listPatientStatements(db, actor, patientId)} />);
  });

  app.get('/:id/statements/:statementId{[0-9]+\\.pdf}', async (c) => {
    const statementId = idParam(c.req.param('statementId').replace(/\.pdf$/, ''));
    const { pdf, filename } = await staffStatementPdf(db, currentActor(c), idParam(c.req.param('id')), statementId, clock.now(), clientIp(c, config.trustProxy));
    return pdfResponse(c, pdf, filename, 'inline');
  });
  return app;
}

/** The vendor's print batches: /vendor/print-batches (Billing/Patient and vendor admins). */
export function printBatchRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireVendor, requireCapability('statements.print'));

  app.get('/', async (c) => renderPage(c, <PrintBatchesPage ctx={await viewContext(c, deps)} batches={await listPrintBatches(db, currentActor(c))} />));

  app.get('/:id{[0-9]+\\.pdf}', async (c) => {
    const id = idParam(c.req.param('id').replace(/\.pdf$/, ''));
    const { pdf, filename } = await printBatchPdf(db, currentActor(c), id, clock.now(), config.publicUrl, clientIp(c, config.trustProxy));
    return pdfResponse(c, pdf, filename, 'attachment');
  });
  return app;
}
