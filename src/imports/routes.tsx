import { Hono } from 'hono';
import { stringify } from 'csv-stringify/sync';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, redirectAfterPost, renderFragment, renderPage, isHtmx } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireCapability, requireStaff } from '../web/guards.ts';
import { NotFound } from '../web/errors.ts';
import { IMPORT_KINDS } from './labels.ts';
import { fileBytes } from '../web/multipart.ts';
import { findImport, recentImports, rejectionReportRows, startImport, templateCsv } from './imports.ts';
import { ImportPage, ImportStatusPage, ImportProgress } from '../../views/imports/imports.tsx';
import type { ImportKind } from '../db/schema.ts';
import { idParam } from '../web/params.ts';
import { startImportWork } from '../jobs/handoff.ts';

/** /patients/import: upload, progress (polled by htmx), rejection report, column templates. */
export function importRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('patients.import'));

  app.get('/', async (c) => {
    const actor = currentActor(c);
    return renderPage(c, <ImportPage ctx={await viewContext(c, deps)} imports={await recentImports(db, actor)} values={{ kind: 'patients' }} errors={{}} />);
  });

  app.post('/', async (c) => {
    const actor = currentActor(c);
    const body = await c.req.parseBody();
    const file = body['file'];
    const kind = typeof body['kind'] === 'string' ? body['kind'] : '';
    const bytes = file instanceof File && file.size > 0 ? await fileBytes(file) : null;
    const result = await startImport(db, actor, { kind, filename: file instanceof File ? file.name : '', bytes }, clock.now());
    if (!result.ok) {
      return renderPage(c, <ImportPage ctx={await viewContext(c, deps)} imports={await recentImports(db, actor)} values={{ kind }} errors={result.errors} />, 422);
    }
    // The file is stored with the import: answer at once; the status page polls the row.
    if (result.started) await startImportWork(deps);
    return redirectAfterPost(c, `/patients/import/${result.id}${result.alreadyImported ? '?again=1' : ''}`);
  });

  app.get('/templates/:kind{[a-z]+\\.csv}', (c) => {
    const kind = c.req.param('kind').replace(/\.csv$/, '');
    if (!(kind in IMPORT_KINDS)) throw new NotFound();
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${kind}-template.csv"`);
    return c.body(templateCsv(kind as ImportKind));
  });

  app.get('/:id', async (c) => {
    const imp = await findImport(db, currentActor(c), idParam(c.req.param('id')));
    return renderPage(c, <ImportStatusPage ctx={await viewContext(c, deps)} imp={imp} again={c.req.query('again') === '1'} />);
  });

  app.get('/:id/status', async (c) => {
    const imp = await findImport(db, currentActor(c), idParam(c.req.param('id')));
    if (!isHtmx(c)) return c.redirect(`/patients/import/${imp.id}`);
    return renderFragment(c, <ImportProgress imp={imp} />);
  });

  app.get('/:id/report.csv', async (c) => {
    const imp = await findImport(db, currentActor(c), idParam(c.req.param('id')));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="import-${imp.id}-rejected-rows.csv"`);
    return c.body(stringify(rejectionReportRows(imp)));
  });
  return app;
}
