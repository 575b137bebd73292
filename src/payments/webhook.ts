import type { Database } from '../db/database.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { AuthorizeNetError, webhookNotificationSchema, webhookSignatureMatches } from './authorize-net.ts';
import { allGateways, authorizeNetClient, practiceGateway, type PracticeGateway } from './settings.ts';
import { confirmTransaction } from './posting.ts';

export const PAYMENT_EVENT = 'net.authorize.payment.authcapture.created';

export type WebhookResult = { status: 200 | 400 | 401 | 503; outcome: string };

/**
 * An Authorize.net webhook. The signature is checked against the practice's signature key
 * (from the URL, or each configured practice's in turn); then the transaction is looked up
 * with getTransactionDetails, so nothing in the notification is trusted beyond its id.
 */
export async function handleAuthorizeNetWebhook(
  db: Database,
  config: Pick<Config, 'appSecret' | 'authorizeNet'>,
  logger: Logger,
  input: { rawBody: string; signature: string | undefined; practiceId?: number },
  now: Date,
): Promise<WebhookResult> {
  const candidates: PracticeGateway[] =
    input.practiceId !== undefined
      ? [await practiceGateway(db, config, input.practiceId)].filter((g): g is PracticeGateway => !!g)
      : await allGateways(db, config);
  const gateway = candidates.find((g) => webhookSignatureMatches(g.signatureKey, input.rawBody, input.signature));
  if (!gateway) {
    logger.warn({ hasSignature: !!input.signature, practiceId: input.practiceId }, 'authorize.net webhook refused: signature does not match');
    return { status: 401, outcome: 'bad_signature' };
  }
  let notification;
  try {
    notification = webhookNotificationSchema.parse(JSON.parse(input.rawBody));
  } catch {
    logger.warn({ practiceId: gateway.practiceId }, 'authorize.net webhook refused: unreadable body');
    return { status: 400, outcome: 'unreadable' };
  }
  if (notification.eventType !== PAYMENT_EVENT) return { status: 200, outcome: 'ignored' };
  const seen = await db
    .selectFrom('webhook_events')
    .select('event_id')
    .where('provider', '=', 'authorize-net')
    .where('event_id', '=', notification.notificationId)
    .executeTakeFirst();
  if (seen) return { status: 200, outcome: 'duplicate' };
  try {
    const posted = await confirmTransaction(db, authorizeNetClient(config, gateway), gateway.practiceId, notification.payload.id, 'webhook', now, logger);
    if (posted.status === 'mismatch') logger.warn({ practiceId: gateway.practiceId, requestId: posted.requestId }, 'authorize.net amount does not match the request; held for review');
    await db
      .insertInto('webhook_events')
      .values({ provider: 'authorize-net', event_id: notification.notificationId, received_at: now })
      .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
      .execute();
    return { status: 200, outcome: posted.status };
  } catch (err) {
    if (err instanceof AuthorizeNetError) {
      // Authorize.net retries a webhook that did not get a 200.
      logger.warn({ practiceId: gateway.practiceId, err: err.message }, 'authorize.net webhook: transaction lookup failed');
      return { status: 503, outcome: 'lookup_failed' };
    }
    throw err;
  }
}
