import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { renderPage } from '../web/http.ts';
import { handleResendWebhook, handleTwilioInboundWebhook, handleTwilioStatusWebhook, type WebhookAnswer, type WebhookContext } from './webhooks.ts';
import { readUnsubscribeToken } from './unsubscribe-token.ts';
import { unsubscribeByLink, unsubscribeLinkLanguage, unsubscribeLinkPractice } from '../engagement/subscriptions.ts';
import { UnsubscribePage } from '../../views/messaging/unsubscribe.tsx';

// Public endpoints that prove themselves another way: provider webhooks by their signature over the
// raw body, unsubscribe links by their signed token. A bad signature changes nothing and is logged.

export function webhookRoutes(deps: AppDeps) {
  const { db, clock, config, logger } = deps;
  const app = new Hono<AppEnv>();

  const ctx = (c: Context<AppEnv>): WebhookContext => ({ config, logger, requestId: c.get('requestId'), now: clock.now() });
  const answer = (c: Context<AppEnv>, a: WebhookAnswer) => (a.body === null ? c.body(null, a.status) : c.body(a.body, a.status as 200 | 401 | 409, { 'Content-Type': a.contentType ?? 'text/plain; charset=UTF-8' }));
  const twilioRequest = async (c: Context<AppEnv>) => ({ url: config.publicUrl + c.req.path + new URL(c.req.url).search, rawBody: await c.req.text(), signature: c.req.header('X-Twilio-Signature') });

  app.post('/webhooks/resend', async (c) => {
    const request = { rawBody: await c.req.text(), svixId: c.req.header('svix-id'), svixTimestamp: c.req.header('svix-timestamp'), svixSignature: c.req.header('svix-signature') };
    return answer(c, await handleResendWebhook(db, request, ctx(c)));
  });
  app.post('/webhooks/twilio/status', async (c) => answer(c, await handleTwilioStatusWebhook(db, await twilioRequest(c), ctx(c))));
  app.post('/webhooks/twilio/inbound', async (c) => answer(c, await handleTwilioInboundWebhook(db, await twilioRequest(c), ctx(c))));

  app.get('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const target = config.appSecret ? readUnsubscribeToken(config.appSecret, token) : null;
    if (!target) return renderPage(c, <UnsubscribePage token={token} state="invalid" />, 404);
    const practiceName = await unsubscribeLinkPractice(db, target);
    if (!practiceName) return renderPage(c, <UnsubscribePage token={token} state="invalid" />, 404);
    return renderPage(c, <UnsubscribePage token={token} state="confirm" practiceName={practiceName} kind={target.kind} lang={await unsubscribeLinkLanguage(db, target)} />);
  });

  // Both the confirm button and RFC 8058 one-click (a mail client's POST with List-Unsubscribe=One-Click).
  app.post('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const target = config.appSecret ? readUnsubscribeToken(config.appSecret, token) : null;
    const done = target ? await unsubscribeByLink(db, clock.now(), target) : null;
    if (!done) return renderPage(c, <UnsubscribePage token={token} state="invalid" />, 404);
    logger.info({ reqId: c.get('requestId'), patient: target!.patientId, kind: target!.kind }, 'unsubscribed by link');
    return renderPage(c, <UnsubscribePage token={token} state="done" practiceName={done.practiceName} kind={target!.kind} lang={await unsubscribeLinkLanguage(db, target!)} />);
  });

  return app;
}
