import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, formFields, pageNumber, redirectAfterPost, renderFragment, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireCapability, requireStaff } from '../web/guards.ts';
import { listPatients, updatePatientInfo, viewPatientAccount } from './patients.ts';
import { findPatient } from '../auth/permissions.ts';
import { postLedgerEntry } from '../ledger/ledger.ts';
import { localDate } from '../intl.ts';
import { findRefundablePayment, newRefundKey, refundPayment } from '../payments/refunds.ts';
import { practiceClient } from '../payments/settings.ts';
import { RefundPage } from '../../views/payments/refunds.tsx';
import { PatientListPage, PatientResults } from '../../views/patients/list.tsx';
import { PatientAccountPage, PatientInfoFormPage, patientInfoValues } from '../../views/patients/account.tsx';
import type { FieldErrors } from '../../views/components/form.tsx';
import type { Context } from 'hono';
import { idParam } from '../web/params.ts';

// /patients and /patients/:id. The Patient Engagement and Statements tabs are mounted by their own features.
export function patientRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('patients.view'));

  app.get('/', async (c) => {
    const q = (c.req.query('q') ?? '').slice(0, 100);
    const showAll = c.req.query('all') === '1';
    const result = await listPatients(db, currentActor(c), { q, showAll, page: pageNumber(c.req.query('page')) });
    const props = { q, showAll, ...result };
    if ((c.req.header('HX-Target') ?? '').includes('patient-results')) return renderFragment(c, <PatientResults {...props} />);
    return renderPage(c, <PatientListPage ctx={await viewContext(c, deps)} {...props} />);
  });

  app.get('/:id', async (c) => {
    const refunded = c.req.query('refunded');
    const notice = c.req.query('recorded')
      ? 'Recorded.'
      : c.req.query('saved')
        ? 'Patient Info saved.'
        : refunded
          ? refunded === 'void'
            ? 'The payment was voided in Authorize.net and the ledger shows it.'
            : 'The refund went through in Authorize.net and the ledger shows it.'
          : undefined;
    return renderAccount(c, idParam(c.req.param('id')), { values: {}, errors: {} }, 200, notice);
  });

  app.post('/:id/ledger-entries', async (c) => {
    const id = idParam(c.req.param('id'));
    const actor = currentActor(c);
    await findPatient(db, actor, id);
    const form = await formFields(c);
    const result = await postLedgerEntry(db, actor, id, form, clock.now());
    if (!result.ok) return renderAccount(c, id, { values: form, errors: result.errors }, 422);
    return redirectAfterPost(c, `/patients/${id}?recorded=1#ledger`);
  });

  // Refunds of portal payments (Practice Administrators and above; payments/refunds.ts).
  app.get('/:id/payments/:entryId/refunds/new', async (c) => renderRefund(c, { values: {}, errors: {} }, 200));

  app.post('/:id/payments/:entryId/refunds', async (c) => {
    const target = { patientId: idParam(c.req.param('id')), entryId: idParam(c.req.param('entryId')) };
    const form = await formFields(c);
    const clientFor = (practiceId: number) => practiceClient(db, config, practiceId);
    const result = await refundPayment(db, currentActor(c), { ...target, clientFor, input: form, now: clock.now(), logger: deps.logger });
    if (!result.ok) return renderRefund(c, { values: form, errors: result.errors }, 422);
    return redirectAfterPost(c, `/patients/${target.patientId}?refunded=${result.action}#ledger`);
  });

  app.get('/:id/edit', async (c) => {
    const patient = await findPatient(db, currentActor(c), idParam(c.req.param('id')));
    return renderPage(c, <PatientInfoFormPage ctx={await viewContext(c, deps)} patient={patient} values={patientInfoValues(patient)} errors={{}} />);
  });

  app.post('/:id', async (c) => {
    const id = idParam(c.req.param('id'));
    const actor = currentActor(c);
    const form = await formFields(c);
    const result = await updatePatientInfo(db, actor, id, form, clock.now());
    if (!result.ok) {
      const patient = await findPatient(db, actor, id);
      return renderPage(c, <PatientInfoFormPage ctx={await viewContext(c, deps)} patient={patient} values={form} errors={result.errors} />, 422);
    }
    return redirectAfterPost(c, `/patients/${id}?saved=1`);
  });

  async function renderRefund(c: Context<AppEnv>, form: { values: Record<string, string | undefined>; errors: FieldErrors }, status: 200 | 422) {
    const actor = currentActor(c);
    const patient = await findPatient(db, actor, idParam(c.req.param('id')));
    const payment = await findRefundablePayment(db, actor, patient.id, idParam(c.req.param('entryId')));
    return renderPage(
      c,
      <RefundPage ctx={await viewContext(c, deps)} payment={payment} patientName={`${patient.last_name}, ${patient.first_name}`} form={form} formKey={newRefundKey()} />,
      status,
    );
  }

  async function renderAccount(c: Context<AppEnv>, id: number, posting: { values: Record<string, string | undefined>; errors: FieldErrors }, status: 200 | 422, notice?: string) {
    const now = clock.now();
    const account = await viewPatientAccount(db, currentActor(c), id, now, clientIp(c, config.trustProxy));
    const ctx = await viewContext(c, deps);
    const today = localDate(now, ctx.practice?.time_zone ?? 'UTC');
    return renderPage(c, <PatientAccountPage ctx={ctx} account={account} today={today} posting={posting} notice={notice} />, status);
  }
  return app;
}
