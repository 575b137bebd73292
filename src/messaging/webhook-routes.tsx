import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { renderPage } from '../web/http.ts';
import { applyResendEvent, applyTwilioStatus, claimEvent, resendEvent } from './delivery.ts';
import { handleInboundSms } from './inbound.ts';
import { verifySvixSignature, verifyTwilioSignature } from './signatures.ts';
import { readUnsubscribeToken } from './unsubscribe-token.ts';
import { unsubscribeByLink } from '../engagement/subscriptions.ts';
import { kindLabel } from '../engagement/kinds.ts';
import { UnsubscribePage } from '../../views/messaging/unsubscribe.tsx';

// Public endpoints that prove themselves another way: provider webhooks by their signature over the
// raw body, unsubscribe links by their signed token. A bad signature changes nothing and is logged.

export function webhookRoutes(deps: AppDeps) {
  const { db, clock, config, logger } = deps;
  const app = new Hono<AppEnv>();

  const refuse = (c: Context<AppEnv>, provider: string, reason: string) => {
    logger.warn({ reqId: c.get('requestId'), provider, reason }, 'webhook refused');
    return c.text('invalid signature', 401);
  };

  app.post('/webhooks/resend', async (c) => {
    const raw = await c.req.text();
    const secret = config.resend?.webhookSecret;
    if (!secret) return refuse(c, 'resend', 'no webhook secret configured');
    const verdict = verifySvixSignature(secret, { id: c.req.header('svix-id'), timestamp: c.req.header('svix-timestamp'), signature: c.req.header('svix-signature') }, raw, clock.now());
    if (verdict !== 'ok') return refuse(c, 'resend', verdict);
    let parsed;
    try {
      parsed = resendEvent.safeParse(JSON.parse(raw));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      logger.warn({ reqId: c.get('requestId'), provider: 'resend' }, 'webhook payload not understood');
      return c.text('ignored', 200);
    }
    const now = clock.now();
    const outcome = await applyResendEvent(db, now, c.req.header('svix-id')!, parsed.data);
    logger.info({ reqId: c.get('requestId'), provider: 'resend', type: parsed.data.type, outcome }, 'webhook');
    // An event for a send not recorded yet: ask svix to retry (it does, with backoff) while it is recent.
    const createdAt = Date.parse(parsed.data.created_at ?? '');
    const recent = Number.isFinite(createdAt) && now.getTime() - createdAt < 3_600_000;
    if (outcome === 'unknown' && recent) return c.text(outcome, 409);
    return c.text(outcome, 200);
  });

  const twilioParams = async (c: Context<AppEnv>) => {
    const raw = await c.req.text();
    const params = Object.fromEntries(new URLSearchParams(raw));
    const token = config.twilio?.authToken;
    const url = config.publicUrl + c.req.path + new URL(c.req.url).search;
    const ok = !!token && verifyTwilioSignature(token, url, params, c.req.header('X-Twilio-Signature'));
    return { ok, params };
  };

  app.post('/webhooks/twilio/status', async (c) => {
    const { ok, params } = await twilioParams(c);
    if (!ok) return refuse(c, 'twilio', config.twilio ? 'bad signature' : 'twilio not configured');
    const outcome = await applyTwilioStatus(db, clock.now(), params);
    logger.info({ reqId: c.get('requestId'), provider: 'twilio', status: params.MessageStatus, outcome }, 'webhook');
    return c.body(null, 204);
  });

  app.post('/webhooks/twilio/inbound', async (c) => {
    const { ok, params } = await twilioParams(c);
    if (!ok) return refuse(c, 'twilio', config.twilio ? 'bad signature' : 'twilio not configured');
    const sid = params.MessageSid ?? params.SmsSid ?? '';
    const now = clock.now();
    // Replies go through the outbox (quiet hours do not apply to them: they answer the patient), not TwiML.
    if (sid && (await claimEvent(db, 'twilio-inbound', sid, now))) {
      const result = await handleInboundSms(db, now, { from: params.From ?? '', to: params.To ?? '', body: params.Body ?? '', messageSid: sid });
      logger.info({ reqId: c.get('requestId'), provider: 'twilio', keyword: result.keyword, practices: result.practices.length, cancelled: result.cancelled }, 'inbound text');
    }
    return c.body('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', 200, { 'Content-Type': 'text/xml' });
  });

  app.get('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const target = config.appSecret ? readUnsubscribeToken(config.appSecret, token) : null;
    if (!target) return renderPage(c, <UnsubscribePage token={token} state="invalid" />, 404);
    const patient = await db.selectFrom('patients as p').innerJoin('practices as pr', 'pr.id', 'p.practice_id').select('pr.name').where('p.id', '=', target.patientId).executeTakeFirst();
    if (!patient) return renderPage(c, <UnsubscribePage token={token} state="invalid" />, 404);
    return renderPage(c, <UnsubscribePage token={token} state="confirm" practiceName={patient.name} kindLabel={kindLabel(target.kind)} />);
  });

  // Both the confirm button and RFC 8058 one-click (a mail client's POST with List-Unsubscribe=One-Click).
  app.post('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const target = config.appSecret ? readUnsubscribeToken(config.appSecret, token) : null;
    const done = target ? await unsubscribeByLink(db, clock.now(), target) : null;
    if (!done) return renderPage(c, <UnsubscribePage token={token} state="invalid" />, 404);
    logger.info({ reqId: c.get('requestId'), patient: target!.patientId, kind: target!.kind }, 'unsubscribed by link');
    return renderPage(c, <UnsubscribePage token={token} state="done" practiceName={done.practiceName} kindLabel={done.kindLabel} />);
  });

  return app;
}
