import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { MessageKind, OutboxMessagesTable } from '../db/schema.ts';
import { defaultSubscribed, isMessageKind } from '../engagement/kinds.ts';
import { sendCheckFor } from './checks.ts';
import { nextTextWindow } from './quiet-hours.ts';
import { capturedTransport, type Envelope, type SendResult, type Transports } from './transports.ts';
import { unsubscribeUrl } from './unsubscribe-token.ts';
import { withPortalLinkToken } from './portal-link-token.ts';
import { withPublicUrl } from './public-url.ts';
import { templateFor } from './templates.ts';
import { languageOf, t } from '../intl.ts';

// Sends what the outbox holds. Rows are claimed in one short statement (FOR UPDATE SKIP LOCKED,
// status 'sending' under a lease), sent outside any transaction, and the result recorded only by
// the holder of the lease. A lease that expires (the process died mid-send) is claimed again; the
// dedupe key, passed to the provider as its idempotency key, keeps that retry from a second delivery.

export type OutboxMessage = Selectable<OutboxMessagesTable>;

export type DispatchOptions = {
  batch?: number;
  leaseMs?: number;
  workerId?: string;
  maxAttempts?: number;
  /** How many sends are in flight at once within a batch. */
  concurrency?: number;
  /** For tests: the jitter's randomness. */
  random?: () => number;
};

export type DispatchResult = { claimed: number; sent: number; retried: number; failed: number; cancelled: number; deferred: number };

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_LEASE_MS = 60_000;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 6 * 3_600_000;
/** Texts the carriers require even after STOP: the opt-out confirmation and the HELP answer. */
export const OPT_OUT_EXEMPT_KINDS = new Set(['sms_stop_confirmation', 'sms_help']);
/** Answers to a text the patient just sent go at once, whatever the hour. */
export const REPLY_KINDS = new Set(['sms_stop_confirmation', 'sms_help', 'sms_start_confirmation', 'sms_reply']);
const FALLBACK_TIME_ZONE = 'America/New_York';
/** Unique per process, also across hosts whose pids collide. */
export const PROCESS_WORKER_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export async function dispatchDue(db: Database, now: Date, transports: Transports, options: DispatchOptions = {}): Promise<DispatchResult> {
  const batch = options.batch ?? 100;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const workerId = options.workerId ?? PROCESS_WORKER_ID;
  const result: DispatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, cancelled: 0, deferred: 0 };

  const claimed = await claimDueMessages(db, now, { batch, leaseMs, workerId });
  result.claimed = claimed.length;
  if (!claimed.length) return result;
  const zones = await practiceTimeZones(db, claimed);

  const queue = [...claimed];
  const sentRows: SentRecord[] = [];
  const worker = async () => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      const outcome = await dispatchOne(db, now, transports, m, zones, { ...options, workerId }, sentRows);
      result[outcome]++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, claimed.length) }, worker));
  await recordSent(db, now, workerId, sentRows);
  return result;
}

/** Claims due rows: queued ones whose time has come, and 'sending' ones whose lease expired. */
export async function claimDueMessages(db: Database, now: Date, o: { batch: number; leaseMs: number; workerId: string }): Promise<OutboxMessage[]> {
  const leaseUntil = new Date(now.getTime() + o.leaseMs);
  const { rows } = await sql<OutboxMessage>`
    with due as (
      select id from outbox_messages
      where status in ('queued', 'sending')
        and next_attempt_at <= ${now}
        and (status = 'queued' or lease_expires_at <= ${now})
      -- next_attempt_at alone, so the partial due index serves the order and the scan stops at the batch size.
      order by next_attempt_at
      limit ${o.batch}
      for update skip locked
    )
    update outbox_messages m
       set status = 'sending', lease_expires_at = ${leaseUntil}, leased_by = ${o.workerId},
           attempts = m.attempts + 1, updated_at = ${now}
      from due
     where m.id = due.id
    returning m.*`.execute(db);
  return rows;
}

type Outcome = 'sent' | 'retried' | 'failed' | 'cancelled' | 'deferred';

/** A row with its words (every row but a templated one before its first send). */
type ReadyMessage = OutboxMessage & { body: string };

function hasWords(m: OutboxMessage): m is ReadyMessage {
  return m.body != null;
}

type SentRecord = { id: number; status: 'sent' | 'delivered'; transport: string; providerMessageId: string; body: string | null; headers: string | null };

async function dispatchOne(db: Database, now: Date, transports: Transports, m: OutboxMessage, zones: Map<number, string>, o: DispatchOptions & { workerId: string }, sentRows: SentRecord[]): Promise<Outcome> {
  if (m.channel === 'sms' && !REPLY_KINDS.has(m.kind)) {
    const opens = nextTextWindow(now, (m.practice_id && zones.get(m.practice_id)) || FALLBACK_TIME_ZONE);
    if (opens) {
      await release(db, m, o.workerId, { status: 'queued', next_attempt_at: opens, attempts: m.attempts - 1, updated_at: now });
      return 'deferred';
    }
  }
  const cancelReason = await reasonToCancel(db, m, now);
  if (cancelReason) {
    await release(db, m, o.workerId, { status: 'cancelled', cancel_reason: cancelReason, attempts: m.attempts - 1, portal_link_token: null, updated_at: now });
    return 'cancelled';
  }

  const ready = hasWords(m) ? m : await renderTemplate(db, now, m, o.workerId);
  if (!ready) {
    await release(db, m, o.workerId, { status: 'failed', last_error: `Unknown message template ${m.template ?? '(none)'}`, updated_at: now });
    return 'failed';
  }
  return send(db, now, transports, ready, o, sentRows);
}

async function send(db: Database, now: Date, transports: Transports, m: ReadyMessage, o: DispatchOptions & { workerId: string }, sentRows: SentRecord[]): Promise<Outcome> {
  const envelope = envelopeFor(m, transports);
  const transport = (m.channel === 'email' ? transports.email : transports.sms) ?? capturedTransport;
  // The portal link's token goes only into what leaves; the row keeps the placeholder, except when
  // the captured transport's "delivery" is the row itself (portal-link-token.ts).
  const payload: Envelope = {
    ...envelope,
    body: withPortalLinkToken(envelope.body, m.portal_link_token),
    html: withPortalLinkToken(envelope.html, m.portal_link_token),
  };
  const stored = transport.name === capturedTransport.name ? payload : envelope;
  let sent: SendResult;
  try {
    sent = await transport.send(payload);
  } catch (err) {
    sent = { ok: false, permanent: false, error: `${transport.name}: ${(err as Error).message}`.slice(0, 500) };
  }

  if (sent.ok) {
    // Recorded with the rest of the batch in one statement. If the process dies first, the lease
    // expires and the resend carries the same idempotency key.
    const changed = stored.body !== m.body;
    const record: SentRecord = {
      id: m.id,
      status: sent.delivered ? 'delivered' : 'sent',
      transport: transport.name,
      providerMessageId: sent.providerMessageId,
      body: changed ? stored.body : null,
      headers: changed ? JSON.stringify(stored.headers) : null,
    };
    if (transport.recordPromptly) await recordSent(db, now, o.workerId, [record]);
    else sentRows.push(record);
    return 'sent';
  }
  const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (sent.permanent || m.attempts >= maxAttempts) {
    const why = sent.permanent ? sent.error : `${sent.error} (gave up after ${m.attempts} attempts)`;
    await release(db, m, o.workerId, { status: 'failed', transport: transport.name, last_error: why, updated_at: now });
    return 'failed';
  }
  await release(db, m, o.workerId, {
    status: 'queued',
    transport: transport.name,
    last_error: sent.error,
    next_attempt_at: new Date(now.getTime() + backoffMs(m.attempts, o.random ?? Math.random)),
    updated_at: now,
  });
  return 'retried';
}

/**
 * A templated row's first send: its words are rendered (templates.ts), what they point to is made
 * (a portal link), and both are stored on the row, so a retry sends the same words and link and
 * staff read what went. Returns null when the template is unknown.
 */
async function renderTemplate(db: Database, now: Date, m: OutboxMessage, workerId: string): Promise<ReadyMessage | null> {
  const template = m.template ? templateFor(m.template) : undefined;
  if (!template) return null;
  const words = template.words(m.template_params ?? {}, m.channel);
  const prepared = (await template.prepare?.(db, now, m)) ?? {};
  const reason = { ...((m.reason as Record<string, unknown>) ?? {}), ...prepared.reason };
  const changes = { subject: words.subject, body: words.body, html: words.html, portal_link_token: prepared.portalLinkToken ?? m.portal_link_token, reason: JSON.stringify(reason) };
  await db.updateTable('outbox_messages').set(changes).where('id', '=', m.id).where('leased_by', '=', workerId).execute();
  return { ...m, ...changes, reason };
}

/** Exponential backoff with full jitter: attempt n waits a random time up to base·2^(n-1), capped. */
export function backoffMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The send-time re-check: subscription, STOP, bounce or complaint, and the kind's own reason. */
export async function reasonToCancel(db: Database, m: OutboxMessage, now: Date): Promise<string | null> {
  if (m.patient_id != null && isMessageKind(m.kind)) {
    const sub = await db
      .selectFrom('subscriptions')
      .select('subscribed')
      .where('patient_id', '=', m.patient_id)
      .where('kind', '=', m.kind as MessageKind)
      .where('channel', '=', m.channel)
      .executeTakeFirst();
    if (!(sub ? sub.subscribed : defaultSubscribed(m.kind as MessageKind))) return 'Patient is no longer subscribed';
  }
  if (m.channel === 'sms' && m.practice_id != null && !OPT_OUT_EXEMPT_KINDS.has(m.kind)) {
    const out = await db.selectFrom('sms_opt_outs').select('phone').where('practice_id', '=', m.practice_id).where('phone', '=', m.recipient).executeTakeFirst();
    if (out) return 'Number opted out by STOP';
  }
  if (m.channel === 'email' && m.patient_id != null) {
    const suppressed = await db
      .selectFrom('email_suppressions')
      .select('reason')
      .where('patient_id', '=', m.patient_id)
      .where(sql<string>`lower(email)`, '=', m.recipient.toLowerCase())
      .executeTakeFirst();
    if (suppressed) return suppressed.reason === 'bounced' ? 'Address bounced' : 'Recipient marked an earlier email as spam';
  }
  const check = sendCheckFor(m.kind);
  return check ? check(db, m, now) : null;
}

/** What goes to the provider: patient emails gain the one-click unsubscribe headers and link. */
function envelopeFor(m: ReadyMessage, transports: Transports): Envelope {
  const headers: Record<string, string> = { ...(m.headers ?? {}) };
  const publicUrl = transports.publicUrl ?? transports.unsubscribe?.publicUrl;
  let body = withPublicUrl(m.body, publicUrl);
  let html = withPublicUrl(m.html, publicUrl);
  if (m.channel === 'email' && m.patient_id != null && transports.unsubscribe && !headers['List-Unsubscribe']) {
    const url = unsubscribeUrl(transports.unsubscribe.publicUrl, transports.unsubscribe.secret, { patientId: m.patient_id, kind: m.kind, email: m.recipient });
    headers['List-Unsubscribe'] = `<${url}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    // In the words' language: the template's parameters, or the reason of a message written whole (docs/rules.md, Language).
    const lang = languageOf((m.template_params as { language?: unknown } | null)?.language ?? (m.reason as { language?: unknown } | null)?.language);
    body = `${body}\n\n${t(lang, 'unsubscribe.unsubscribeLine', { url })}`;
    if (html) html = `${html}<p><a href="${url}">${t(lang, 'unsubscribe.unsubscribeLink')}</a></p>`;
  }
  return { id: m.id, channel: m.channel, recipient: m.recipient, subject: m.subject, body, html, headers, dedupeKey: m.dedupe_key };
}

/** Records a batch's successful sends in one statement, for the rows this worker still holds. */
async function recordSent(db: Database, now: Date, workerId: string, rows: SentRecord[]): Promise<void> {
  if (!rows.length) return;
  const json = JSON.stringify(rows.map((r) => ({ id: r.id, status: r.status, transport: r.transport, pid: r.providerMessageId, body: r.body, headers: r.headers })));
  await sql`
    update outbox_messages m
       set status = v.status, transport = v.transport, provider_message_id = v.pid,
           sent_at = ${now}, delivered_at = case when v.status = 'delivered' then ${now}::timestamptz end,
           last_error = null, body = coalesce(v.body, m.body), headers = coalesce(v.headers::jsonb, m.headers), portal_link_token = null,
           lease_expires_at = null, leased_by = null, updated_at = ${now}
      from jsonb_to_recordset(${json}::jsonb) as v(id bigint, status text, transport text, pid text, body text, headers text)
     where m.id = v.id and m.status = 'sending' and m.leased_by = ${workerId}`.execute(db);
}

/** Records the outcome, but only while this worker still holds the lease. */
async function release(db: Database, m: OutboxMessage, workerId: string, changes: Record<string, unknown>): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set({ ...changes, lease_expires_at: null, leased_by: null } as never)
    .where('id', '=', m.id)
    .where('status', '=', 'sending')
    .where('leased_by', '=', workerId)
    .execute();
}

async function practiceTimeZones(db: Database, rows: OutboxMessage[]): Promise<Map<number, string>> {
  const ids = [...new Set(rows.filter((r) => r.channel === 'sms' && r.practice_id != null).map((r) => r.practice_id!))];
  if (!ids.length) return new Map();
  const found = await db.selectFrom('practices').select(['id', 'time_zone']).where('id', 'in', ids).execute();
  return new Map(found.map((p) => [p.id, p.time_zone]));
}

/** One scheduled pass: batches until nothing is due or the pass has handled `maxBatches`. Returns rows handled. */
export async function drainOutbox(db: Database, now: Date, transports: Transports, options: DispatchOptions & { maxBatches?: number } = {}): Promise<number> {
  const batch = options.batch ?? 100;
  let handled = 0;
  for (let i = 0; i < (options.maxBatches ?? 20); i++) {
    const r = await dispatchDue(db, now, transports, { ...options, batch });
    handled += r.claimed;
    if (r.claimed < batch) break;
  }
  return handled;
}
