import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { PaymentRequestStatus } from '../db/schema.ts';
import type { Config } from '../config.ts';
import { assertCan, practiceIdOf, practicePaymentRequests, practicePaymentSettings, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { deriveKey, openSecret, sealSecret } from './secret-box.ts';
import { AuthorizeNetClient, AuthorizeNetError, type MerchantCredentials } from './authorize-net.ts';

// Settings → Credit Card Processing: a practice's Authorize.net credentials, encrypted at rest,
// never shown back beyond their last four characters.

const FIELDS = ['api_login_id', 'transaction_key', 'signature_key'] as const;
type Field = (typeof FIELDS)[number];

export const FIELD_LABELS: Record<Field, string> = {
  api_login_id: 'API Login ID',
  transaction_key: 'Transaction Key',
  signature_key: 'Signature Key',
};

export type PaymentSettingsSummary = {
  configured: boolean;
  last4: Record<Field, string> | null;
  updatedAt: Date | null;
  updatedByName: string | null;
  lastTestAt: Date | null;
  lastTestOk: boolean | null;
  lastTestMessage: string | null;
};

export type PracticeGateway = MerchantCredentials & { signatureKey: string; practiceId: number };

const derivedKeys = new Map<string, Buffer>();

export function credentialsKey(config: Pick<Config, 'appSecret'>): Buffer {
  if (!config.appSecret) throw new Error('APP_SECRET is needed to encrypt payment settings');
  let key = derivedKeys.get(config.appSecret);
  if (!key) {
    key = deriveKey(config.appSecret, 'authorize-net-credentials v1');
    derivedKeys.set(config.appSecret, key);
  }
  return key;
}

export function authorizeNetClient(config: Pick<Config, 'authorizeNet'>, gateway: MerchantCredentials): AuthorizeNetClient {
  return new AuthorizeNetClient(config.authorizeNet.apiUrl, gateway);
}

export async function paymentSettingsSummary(db: Database, actor: Actor): Promise<PaymentSettingsSummary> {
  assertCan(actor, 'payments.configure');
  const row = await practicePaymentSettings(db, actor)
    .leftJoin('users', 'users.id', 'payment_settings.updated_by_user_id')
    .selectAll('payment_settings')
    .select('users.name as updated_by_name')
    .executeTakeFirst();
  if (!row) return { configured: false, last4: null, updatedAt: null, updatedByName: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null };
  return {
    configured: true,
    last4: { api_login_id: row.api_login_id_last4, transaction_key: row.transaction_key_last4, signature_key: row.signature_key_last4 },
    updatedAt: row.updated_at,
    updatedByName: row.updated_by_name,
    lastTestAt: row.last_test_at,
    lastTestOk: row.last_test_ok,
    lastTestMessage: row.last_test_message,
  };
}

const credentialSchema = {
  api_login_id: z.string().trim().regex(/^[A-Za-z0-9]{6,25}$/, 'An API Login ID is 6 to 25 letters and digits.'),
  transaction_key: z.string().trim().regex(/^[A-Za-z0-9]{16}$/, 'A Transaction Key is 16 letters and digits.'),
  signature_key: z.string().trim().regex(/^[A-Fa-f0-9]{128}$/, 'A Signature Key is 128 hexadecimal characters.'),
};

export type SaveResult = { ok: true } | { ok: false; errors: Record<string, string> };

/**
 * Saves the credentials. The first save needs all three; later a blank field keeps what is stored,
 * so a key is never sent back to the browser to be re-submitted.
 */
export async function savePaymentSettings(
  db: Database,
  config: Pick<Config, 'appSecret'>,
  actor: Actor,
  input: Record<string, string | undefined>,
  now: Date,
): Promise<SaveResult> {
  assertCan(actor, 'payments.configure');
  const practiceId = practiceIdOf(actor);
  const existing = await practicePaymentSettings(db, actor).selectAll().executeTakeFirst();
  const errors: Record<string, string> = {};
  const values: Partial<Record<Field, string>> = {};
  for (const field of FIELDS) {
    const raw = (input[field] ?? '').trim();
    if (!raw) {
      if (!existing) errors[field] = `Enter the ${FIELD_LABELS[field]}.`;
      continue;
    }
    const parsed = credentialSchema[field].safeParse(raw);
    if (!parsed.success) errors[field] = parsed.error.issues[0].message;
    else values[field] = parsed.data;
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const changed = FIELDS.filter((f) => values[f] !== undefined);
  if (!changed.length) return { ok: false, errors: { api_login_id: 'Enter at least one new value to change.' } };
  const key = credentialsKey(config);
  const sealed: Record<string, string> = {};
  for (const f of changed) {
    sealed[`${f}_enc`] = sealSecret(key, values[f]!, `${practiceId}:${f}`);
    sealed[`${f}_last4`] = values[f]!.slice(-4);
  }
  await db.transaction().execute(async (trx) => {
    if (existing) {
      await trx
        .updateTable('payment_settings')
        .set({ ...sealed, updated_at: now, updated_by_user_id: actor.id, last_test_at: null, last_test_ok: null, last_test_message: null })
        .where('practice_id', '=', practiceId)
        .execute();
    } else {
      await trx
        .insertInto('payment_settings')
        .values({
          practice_id: practiceId,
          api_login_id_enc: sealed.api_login_id_enc,
          transaction_key_enc: sealed.transaction_key_enc,
          signature_key_enc: sealed.signature_key_enc,
          api_login_id_last4: sealed.api_login_id_last4,
          transaction_key_last4: sealed.transaction_key_last4,
          signature_key_last4: sealed.signature_key_last4,
          updated_at: now,
          updated_by_user_id: actor.id,
        })
        .execute();
    }
    await recordAudit(trx, {
      at: now,
      actor,
      action: existing ? 'payments.settings_changed' : 'payments.settings_created',
      recordType: 'practice',
      recordId: practiceId,
      details: { fields: changed },
    });
  });
  return { ok: true };
}

/** Turns online payments off: the credentials are deleted, the portal goes back to "call the office". */
export async function removePaymentSettings(db: Database, actor: Actor, now: Date): Promise<void> {
  assertCan(actor, 'payments.configure');
  const practiceId = practiceIdOf(actor);
  await db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('payment_settings').where('practice_id', '=', practiceId).executeTakeFirst();
    if (Number(removed.numDeletedRows) > 0) {
      await recordAudit(trx, { at: now, actor, action: 'payments.settings_removed', recordType: 'practice', recordId: practiceId });
    }
  });
}

/** "Test connection": authenticateTestRequest with the stored credentials; the outcome is kept. */
export async function testPaymentConnection(
  db: Database,
  config: Pick<Config, 'appSecret' | 'authorizeNet'>,
  actor: Actor,
  now: Date,
): Promise<{ ok: boolean; message: string }> {
  assertCan(actor, 'payments.configure');
  const gateway = await practiceGateway(db, config, practiceIdOf(actor));
  if (!gateway) return { ok: false, message: 'Save the credentials first.' };
  let outcome: { ok: boolean; message: string };
  try {
    await authorizeNetClient(config, gateway).authenticateTest();
    outcome = { ok: true, message: `Connected to Authorize.net (${config.authorizeNet.env}).` };
  } catch (err) {
    outcome = { ok: false, message: err instanceof AuthorizeNetError ? err.message : 'The test failed.' };
  }
  await db
    .updateTable('payment_settings')
    .set({ last_test_at: now, last_test_ok: outcome.ok, last_test_message: outcome.message.slice(0, 300) })
    .where('practice_id', '=', gateway.practiceId)
    .execute();
  await recordAudit(db, { at: now, actor, action: 'payments.connection_tested', recordType: 'practice', recordId: gateway.practiceId, details: { ok: outcome.ok } });
  return outcome;
}

/** The practice's decrypted credentials, or null when online payments are not set up. */
export async function practiceGateway(db: Database, config: Pick<Config, 'appSecret'>, practiceId: number): Promise<PracticeGateway | null> {
  const row = await db.selectFrom('payment_settings').selectAll().where('practice_id', '=', practiceId).executeTakeFirst();
  if (!row) return null;
  const key = credentialsKey(config);
  return {
    practiceId,
    apiLoginId: openSecret(key, row.api_login_id_enc, `${practiceId}:api_login_id`),
    transactionKey: openSecret(key, row.transaction_key_enc, `${practiceId}:transaction_key`),
    signatureKey: openSecret(key, row.signature_key_enc, `${practiceId}:signature_key`),
  };
}

/** A client for the practice's own Authorize.net account, or null when online payments are not set up. */
export async function practiceClient(db: Database, config: Pick<Config, 'appSecret' | 'authorizeNet'>, practiceId: number): Promise<AuthorizeNetClient | null> {
  const gateway = await practiceGateway(db, config, practiceId);
  return gateway ? authorizeNetClient(config, gateway) : null;
}

export async function onlinePaymentsEnabled(db: Database, practiceId: number): Promise<boolean> {
  const row = await db.selectFrom('payment_settings').select('practice_id').where('practice_id', '=', practiceId).executeTakeFirst();
  return !!row;
}

/** Every configured practice's gateway: the webhook without a practice in its URL tries each signature key. */
export async function allGateways(db: Database, config: Pick<Config, 'appSecret'>): Promise<PracticeGateway[]> {
  const rows = await db.selectFrom('payment_settings').select('practice_id').execute();
  const out: PracticeGateway[] = [];
  for (const r of rows) {
    const g = await practiceGateway(db, config, r.practice_id);
    if (g) out.push(g);
  }
  return out;
}

export type OnlinePaymentRow = {
  id: number;
  created_at: Date;
  amount_cents: number;
  status: PaymentRequestStatus;
  trans_id: string | null;
  posted_via: 'webhook' | 'return' | 'staff' | null;
  review_reason: string | null;
  patient_id: number;
  account_number: string;
  patient_name: string;
  case_title: string;
};

/** The practice's latest portal payments, for reconciling with Authorize.net; "review" ones first. */
export async function recentOnlinePayments(db: Database, actor: Actor, limit = 25): Promise<OnlinePaymentRow[]> {
  assertCan(actor, 'payments.configure');
  const rows = await practicePaymentRequests(db, actor)
    .innerJoin('patients', 'patients.id', 'payment_requests.patient_id')
    .innerJoin('cases', 'cases.id', 'payment_requests.case_id')
    .select([
      'payment_requests.id',
      'payment_requests.created_at',
      'payment_requests.amount_cents',
      'payment_requests.status',
      'payment_requests.trans_id',
      'payment_requests.posted_via',
      'payment_requests.review_reason',
      'patients.id as patient_id',
      'patients.account_number',
      'patients.first_name',
      'patients.last_name',
      'cases.title as case_title',
    ])
    .where('payment_requests.status', 'in', ['paid', 'review', 'refunded'])
    .orderBy((eb) => eb.case().when('payment_requests.status', '=', 'review').then(0).else(1).end())
    .orderBy('payment_requests.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(({ first_name, last_name, ...r }) => ({ ...r, patient_name: `${last_name}, ${first_name}` }));
}
