import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, formFields, redirectAfterPost, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireStaff, requireCapability } from '../web/guards.ts';
import { paymentSettingsSummary, practiceClient, recentOnlinePayments, removePaymentSettings, savePaymentSettings, testPaymentConnection } from './settings.ts';
import { findHeldPayment, newRefundKey, postHeldPayment, refundHeldPayment } from './refunds.ts';
import { HeldPaymentPage } from '../../views/payments/refunds.tsx';
import { idParam } from '../web/params.ts';
import type { FieldErrors } from '../../views/components/form.tsx';
import { handleAuthorizeNetWebhook } from './webhook.ts';
import { PaymentSettingsPage } from '../../views/payments/settings.tsx';

/** Settings → Credit Card Processing (Practice Administrator and above). */
export function paymentSettingsRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('payments.configure'));

  const page = async (c: Context<AppEnv>, extra: { errors?: Record<string, string>; notice?: string; test?: { ok: boolean; message: string } } = {}, status: 200 | 422 = 200) =>
    renderPage(
      c,
      <PaymentSettingsPage
        ctx={await viewContext(c, deps)}
        summary={await paymentSettingsSummary(db, currentActor(c))}
        payments={await recentOnlinePayments(db, currentActor(c))}
        environment={config.authorizeNet.env}
        webhookUrl={`${config.publicUrl}/webhooks/authorize-net/${currentActor(c).practice_id}`}
        errors={extra.errors ?? {}}
        notice={extra.notice}
      />,
      status,
    );

  app.get('/', async (c) => page(c, { notice: noticeFor(c.req.query('saved'), c.req.query('removed')) }));

  app.post('/', async (c) => {
    const result = await savePaymentSettings(db, config, currentActor(c), await formFields(c), clock.now());
    if (!result.ok) return page(c, { errors: result.errors }, 422);
    return redirectAfterPost(c, '/settings/payments?saved=1');
  });

  app.post('/connection-test', async (c) => {
    await testPaymentConnection(db, config, currentActor(c), clock.now());
    return redirectAfterPost(c, '/settings/payments');
  });

  app.post('/removal', async (c) => {
    await removePaymentSettings(db, currentActor(c), clock.now());
    return redirectAfterPost(c, '/settings/payments?removed=1');
  });

  // A payment held for review: post it to a case, or give it back (payments/refunds.ts).
  type FormState = { values: Record<string, string | undefined>; errors: FieldErrors };
  const empty: FormState = { values: {}, errors: {} };
  const heldPage = async (c: Context<AppEnv>, forms: { post?: FormState; refund?: FormState }, status: 200 | 422 = 200) =>
    renderPage(
      c,
      <HeldPaymentPage
        ctx={await viewContext(c, deps)}
        held={await findHeldPayment(db, currentActor(c), idParam(c.req.param('id')))}
        post={forms.post ?? empty}
        refund={forms.refund ?? empty}
        formKey={newRefundKey()}
      />,
      status,
    );
  const clientFor = (practiceId: number) => practiceClient(db, config, practiceId);

  app.get('/held/:id', requireCapability('payments.refund'), (c) => heldPage(c, {}));

  app.post('/held/:id/posting', requireCapability('payments.refund'), async (c) => {
    const form = await formFields(c);
    const result = await postHeldPayment(db, currentActor(c), idParam(c.req.param('id')), { clientFor, input: form, now: clock.now() });
    if (!result.ok) return heldPage(c, { post: { values: form, errors: result.errors } }, 422);
    return redirectAfterPost(c, `/settings/payments/held/${c.req.param('id')}`);
  });

  app.post('/held/:id/refunds', requireCapability('payments.refund'), async (c) => {
    const form = await formFields(c);
    const result = await refundHeldPayment(db, currentActor(c), idParam(c.req.param('id')), { clientFor, input: form, now: clock.now(), logger: deps.logger });
    if (!result.ok) return heldPage(c, { refund: { values: form, errors: result.errors } }, 422);
    return redirectAfterPost(c, `/settings/payments/held/${c.req.param('id')}`);
  });
  return app;
}

/**
 * POST /webhooks/authorize-net[/<practice id>]: public by name, verified by the signature.
 * Register the URL with the practice id in Authorize.net; without it every configured key is tried.
 */
export function authorizeNetWebhookRoutes(deps: AppDeps) {
  const { db, clock, config, logger } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text('too large', 413) }));
  const handle = async (c: Context<AppEnv>, practiceId?: number) => {
    const result = await handleAuthorizeNetWebhook(
      db,
      config,
      logger,
      { rawBody: await c.req.text(), signature: c.req.header('X-ANET-Signature'), practiceId },
      clock.now(),
    );
    return c.json({ outcome: result.outcome }, result.status);
  };
  app.post('/', (c) => handle(c));
  app.post('/:practiceId{[0-9]+}', (c) => handle(c, Number(c.req.param('practiceId'))));
  return app;
}

function noticeFor(saved: string | undefined, removed: string | undefined): string | undefined {
  if (saved) return 'Saved. Use Test connection to check the credentials.';
  if (removed) return 'Online payments are turned off. The portal now asks patients to call the office.';
  return undefined;
}
