import type { Database } from '../db/database.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { applyResendEvent, applyTwilioStatus, claimEvent, resendEvent } from './delivery.ts';
import { handleInboundSms } from './inbound.ts';
import { verifySvixSignature, verifyTwilioSignature } from './signatures.ts';

// The messaging providers' webhooks, the same way as payments/webhook.ts: a domain function checks
// the signature over the raw body, applies the event once and says what to answer; the route only
// passes the request in and the answer out. A bad signature changes nothing and is logged.

export type WebhookAnswer = { status: 200 | 204 | 401 | 409; body: string | null; contentType?: string };
export type WebhookContext = { config: Pick<Config, 'resend' | 'twilio'> & { publicUrl?: string }; logger: Logger; requestId?: string; now: Date };

/** A Resend delivery event (svix-signed). An event for a send not recorded yet asks for a retry (409) while it is recent. */
export async function handleResendWebhook(
  db: Database,
  request: { rawBody: string; svixId?: string; svixTimestamp?: string; svixSignature?: string },
  ctx: WebhookContext,
): Promise<WebhookAnswer> {
  const { logger, now, requestId: reqId } = ctx;
  const secret = ctx.config.resend?.webhookSecret;
  if (!secret) return refuse(ctx, 'resend', 'no webhook secret configured');
  const verdict = verifySvixSignature(secret, { id: request.svixId, timestamp: request.svixTimestamp, signature: request.svixSignature }, request.rawBody, now);
  if (verdict !== 'ok') return refuse(ctx, 'resend', verdict);
  let parsed;
  try {
    parsed = resendEvent.safeParse(JSON.parse(request.rawBody));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) {
    logger.warn({ reqId, provider: 'resend' }, 'webhook payload not understood');
    return { status: 200, body: 'ignored' };
  }
  const outcome = await applyResendEvent(db, now, request.svixId!, parsed.data);
  logger.info({ reqId, provider: 'resend', type: parsed.data.type, outcome }, 'webhook');
  const createdAt = Date.parse(parsed.data.created_at ?? '');
  const recent = Number.isFinite(createdAt) && now.getTime() - createdAt < 3_600_000;
  return { status: outcome === 'unknown' && recent ? 409 : 200, body: outcome };
}

export type TwilioRequest = { url: string; rawBody: string; signature?: string };

/** A Twilio delivery status callback. */
export async function handleTwilioStatusWebhook(db: Database, request: TwilioRequest, ctx: WebhookContext): Promise<WebhookAnswer> {
  const params = twilioParams(request, ctx);
  if (!params) return refuse(ctx, 'twilio', ctx.config.twilio ? 'bad signature' : 'twilio not configured');
  const outcome = await applyTwilioStatus(db, ctx.now, params);
  ctx.logger.info({ reqId: ctx.requestId, provider: 'twilio', status: params.MessageStatus, outcome }, 'webhook');
  return { status: 204, body: null };
}

/** A text from a patient (STOP, HELP, START...), applied once per message id. Replies go through the outbox, not TwiML. */
export async function handleTwilioInboundWebhook(db: Database, request: TwilioRequest, ctx: WebhookContext): Promise<WebhookAnswer> {
  const params = twilioParams(request, ctx);
  if (!params) return refuse(ctx, 'twilio', ctx.config.twilio ? 'bad signature' : 'twilio not configured');
  const sid = params.MessageSid ?? params.SmsSid ?? '';
  if (sid && (await claimEvent(db, 'twilio-inbound', sid, ctx.now))) {
    const result = await handleInboundSms(db, ctx.now, { from: params.From ?? '', to: params.To ?? '', body: params.Body ?? '', messageSid: sid, publicUrl: ctx.config.publicUrl });
    ctx.logger.info({ reqId: ctx.requestId, provider: 'twilio', keyword: result.keyword, practices: result.practices.length, cancelled: result.cancelled }, 'inbound text');
  }
  return { status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', contentType: 'text/xml' };
}

function twilioParams(request: TwilioRequest, ctx: WebhookContext): Record<string, string> | null {
  const params = Object.fromEntries(new URLSearchParams(request.rawBody));
  const token = ctx.config.twilio?.authToken;
  return token && verifyTwilioSignature(token, request.url, params, request.signature) ? params : null;
}

function refuse(ctx: WebhookContext, provider: string, reason: string): WebhookAnswer {
  ctx.logger.warn({ reqId: ctx.requestId, provider, reason }, 'webhook refused');
  return { status: 401, body: 'invalid signature' };
}
