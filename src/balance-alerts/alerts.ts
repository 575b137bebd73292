import { yieldToEventLoop } from '../jobs/yield.ts';
import { trackWork } from '../jobs/heartbeat.ts';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Channel, Language } from '../db/schema.ts';
import { registerSendCheck } from '../messaging/checks.ts';
import { registerTemplate } from '../messaging/templates.ts';
import { portalLinkPlaceholderUrl } from '../messaging/portal-link-token.ts';
import { nextTextWindow } from '../messaging/quiet-hours.ts';
import { issuePortalLink } from '../portal/links.ts';
import { languageOf, localDate, t } from '../intl.ts';
import { signedAmount } from '../ledger/signed-amount.ts';

// Balance alerts (docs/rules.md, Balance alerts). A patient is due one on a channel when all hold:
//   - the practice's frequency is not Don't Send;
//   - the balance (responsibility − payments − adjustments over all cases) is above zero;
//   - a patient responsibility was posted within the last 60 days;
//   - the patient is subscribed to balance alerts on that channel, and the channel is usable
//     (a mobile number not opted out by STOP; an email address that has not bounced or complained);
//   - no balance alert went to them on that channel within the interval (14 days, or one calendar month).
// Nothing else is stored: the schedule follows from the ledger and the outbox, so a new charge
// keeps the cadence, and one after alerts stopped starts them again at the next run. The balance and
// the latest responsibility are read from patients.balance_cents / last_responsibility_at, which a
// trigger on ledger_entries keeps (migrations/20261123_0400_patients.ts); the send-time re-check
// sums the ledger itself.

export const RESPONSIBILITY_WINDOW_DAYS = 60;
export const BALANCE_ALERT_KIND = 'balance_alert';
/** Only one instance selects and writes at a time, so no portal link is issued twice for one alert. */
const RUN_LOCK_KEY = 6_002_001;

export type DueBalanceAlert = {
  patient_id: number;
  practice_id: number;
  channel: Channel;
  recipient: string;
  practice_name: string;
  practice_phone: string;
  /** The patient's preferred language: the alert's words are in it (docs/rules.md, Language). */
  language: Language;
  time_zone: string;
};

/**
 * The due (patient, channel) pairs, in one set-based statement. Indexes it relies on are in
 * migrations/20261123_0400_patients.ts; bench/alert-selection.ts runs it at a million accounts.
 */
export async function selectDueBalanceAlerts(db: Database, now: Date, options: { limit?: number } = {}): Promise<DueBalanceAlert[]> {
  const select = async (trx: Database) => {
    // The selection hashes every account with a balance (774k of 1M on the benchmark): with the
    // default 4 MB the hash spills to disk in 16 batches; in memory the selection takes a fifth less.
    await sql`set local work_mem = '64MB'`.execute(trx);
    const { rows } = await dueBalanceAlertsQuery(now, options).execute(trx);
    return rows.map((r) => ({ ...r, patient_id: Number(r.patient_id), practice_id: Number(r.practice_id) }));
  };
  return db.isTransaction ? select(db) : db.transaction().execute(select);
}

/** The selection as a query object, so the benchmark can EXPLAIN exactly what runs. */
export function dueBalanceAlertsQuery(now: Date, options: { limit?: number; patients?: { from: number; to: number } } = {}) {
  return sql<DueBalanceAlert>`
    select p.id as patient_id, p.practice_id, s.channel,
           case s.channel when 'sms' then p.mobile_phone else p.email end as recipient,
           pr.name as practice_name, pr.phone as practice_phone, pr.time_zone, p.preferred_language as language
      from patients p
      join practices pr on pr.id = p.practice_id and pr.balance_alert_frequency <> 'off'
      join subscriptions s on s.patient_id = p.id and s.kind = 'balance_alert' and s.subscribed
      -- The last alert on this channel, one index probe each (outbox_balance_alert_idx). Written as a
      -- lateral with a limit rather than NOT EXISTS: the run's chunks see the rows its earlier chunks
      -- wrote, which the table's statistics do not, and an anti join planned on "no alerts yet" went
      -- quadratic (9.6 s for the sixth chunk of 5,000 accounts; README, "Set-based alert run").
      left join lateral (
        select m.created_at from outbox_messages m
         where m.patient_id = p.id and m.kind = 'balance_alert' and m.channel = s.channel and m.status <> 'cancelled'
         order by m.created_at desc
         limit 1) last_alert on true
     where p.balance_cents > 0
       ${options.patients ? sql`and p.id between ${options.patients.from} and ${options.patients.to}` : sql``}
       and p.last_responsibility_at > ${now}::timestamptz - make_interval(days => ${RESPONSIBILITY_WINDOW_DAYS})
       and p.last_responsibility_at <= ${now}::timestamptz
       and ((s.channel = 'sms' and p.mobile_phone is not null and p.mobile_phone <> ''
              and not exists (select 1 from sms_opt_outs so where so.practice_id = p.practice_id and so.phone = p.mobile_phone))
         or (s.channel = 'email' and p.email is not null and p.email <> ''
              and not exists (select 1 from email_suppressions es where es.patient_id = p.id and lower(es.email) = lower(p.email))))
       and (last_alert.created_at is null
            or last_alert.created_at <= case pr.balance_alert_frequency
                 when 'biweekly' then ${now}::timestamptz - interval '14 days'
                 -- one calendar month in the practice's own calendar
                 else ((${now}::timestamptz at time zone pr.time_zone) - interval '1 month') at time zone pr.time_zone
               end)
     ${options.limit ? sql`limit ${options.limit}` : sql``}`;
}

/**
 * Accounts (a range of patient ids) per `insert … select`: a statement's work stays bounded however
 * large one practice is (at most a few thousand alerts), so the embedded database, which runs in the
 * app's thread, answers other requests between chunks.
 */
const ACCOUNT_CHUNK = 5_000;

/**
 * One run of the scheduled job: queues an alert per due (patient, channel), one `insert … select`
 * per range of accounts over the selection above. The rows carry the template key and its
 * parameters; the words and the portal link are made when each one is sent (templates.ts, and
 * the 'balance_alert' template below). Returns how many were queued.
 */
export async function runBalanceAlerts(db: Database, now: Date, publicUrl: string): Promise<number> {
  const run = async (trx: Database) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${RUN_LOCK_KEY}) as locked`.execute(trx);
    if (!rows[0]?.locked) return 0;
    await sql`set local work_mem = '64MB'`.execute(trx);
    // Each chunk's statement is prepared (src/db/database.ts), and after five runs PostgreSQL may keep
    // a generic plan, blind to the account range and the time: measured at 200,000 accounts, the run
    // took 235 s instead of 13 s. A custom plan per chunk costs a few milliseconds of planning.
    await sql`set local plan_cache_mode = force_custom_plan`.execute(trx);
    const practices = await trx.selectFrom('practices').select('time_zone').distinct().where('balance_alert_frequency', '<>', 'off').execute();
    const span = await trx.selectFrom('patients').select((eb) => [eb.fn.min('id').as('first'), eb.fn.max('id').as('last')]).where('balance_cents', '>', 0).executeTakeFirst();
    if (!practices.length || span?.first == null || span.last == null) return 0;
    const [first, last] = [Number(span.first), Number(span.last)];
    const zones = zoneCalendar(now, practices.map((p) => p.time_zone));
    const chunks = Math.ceil((last - first + 1) / ACCOUNT_CHUNK);
    const work = trackWork('balance-alerts', 'Balance-alert run (chunks of 5,000 accounts)', chunks, now);
    let queued = 0;
    try {
      for (let i = 0; i < chunks; i++) {
        const from = first + i * ACCOUNT_CHUNK;
        queued += await queueBalanceAlerts(trx, now, publicUrl, zones, { from, to: Math.min(last, from + ACCOUNT_CHUNK - 1) });
        work.update(i + 1);
        await yieldToEventLoop();
      }
    } finally {
      work.end();
    }
    return queued;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Per time zone: the cycle's day (for the dedupe key) and when texts may go (quiet hours). */
function zoneCalendar(now: Date, timeZones: string[]): string {
  const zones = [...new Set(timeZones)].map((time_zone) => ({ time_zone, day: localDate(now, time_zone), texts_from: (nextTextWindow(now, time_zone) ?? now).toISOString() }));
  return JSON.stringify(zones);
}

async function queueBalanceAlerts(trx: Database, now: Date, publicUrl: string, zones: string, patients: { from: number; to: number }): Promise<number> {
  const { rows } = await queueBalanceAlertsQuery(now, publicUrl, zones, patients).execute(trx);
  return Number(rows[0]?.queued ?? 0);
}

function queueBalanceAlertsQuery(now: Date, publicUrl: string, zones: string, patients: { from: number; to: number }) {
  return sql<{ queued: string }>`
    with queued as (
      insert into outbox_messages (practice_id, patient_id, kind, channel, recipient, template, template_params, dedupe_key, next_attempt_at, created_at, updated_at)
      select d.practice_id, d.patient_id, ${BALANCE_ALERT_KIND}, d.channel, d.recipient, ${BALANCE_ALERT_KIND},
             jsonb_build_object('practice_name', d.practice_name, 'practice_phone', d.practice_phone, 'language', d.language, 'public_url', ${publicUrl}::text),
             -- One alert per patient, channel and cycle, even if two instances run at once.
             'balance-alert:' || d.patient_id || ':' || d.channel || ':' || z.day,
             -- Texts wait for 08:00 in the practice's time zone (the dispatcher checks again at send time).
             case when d.channel = 'sms' then z.texts_from else ${now}::timestamptz end,
             ${now}, ${now}
        from (${dueBalanceAlertsQuery(now, { patients })}) d
        join jsonb_to_recordset(${zones}::jsonb) as z(time_zone text, day text, texts_from timestamptz) on z.time_zone = d.time_zone
      on conflict (dedupe_key) do nothing
      returning 1)
    select count(*) as queued from queued`;
}

/** The portal link an alert carries is issued when it is sent: its 30 days start with the message. */
registerTemplate(BALANCE_ALERT_KIND, {
  words: (params, channel) =>
    balanceAlertMessage(
      { channel, practice_name: String(params.practice_name), practice_phone: String(params.practice_phone), language: languageOf(params.language) },
      portalLinkPlaceholderUrl(String(params.public_url)),
    ),
  async prepare(db, now, m) {
    const link = await issuePortalLink(db, now, String(m.template_params?.public_url ?? ''), { practiceId: m.practice_id!, patientId: m.patient_id!, purpose: 'balance' });
    return { portalLinkToken: link.token, reason: { portalLinkId: link.id } };
  },
});

/**
 * The words docs/rules.md allows (Balance alerts, Portal access): the practice's name, that a balance is due, the link, how to opt
 * out (texts) or the phone number (email). No amount, no dates of service, nothing clinical, and
 * never the statement address.
 */
export function balanceAlertMessage(
  d: Pick<DueBalanceAlert, 'channel' | 'practice_name' | 'practice_phone'> & { language?: Language },
  url: string,
): { subject: string | null; body: string; html: string | null } {
  const lang = d.language ?? 'en';
  const words = { practice: d.practice_name, phone: d.practice_phone, url };
  if (d.channel === 'sms') return { subject: null, body: t(lang, 'balanceAlert.sms', words), html: null };
  const body = t(lang, 'balanceAlert.emailBody', words);
  const safe = { practice: escapeHtml(d.practice_name), phone: escapeHtml(d.practice_phone) };
  const html =
    `<p>${t(lang, 'balanceAlert.htmlDue', safe)}</p>` +
    `<p><a href="${escapeHtml(url)}">${escapeHtml(t(lang, 'balanceAlert.htmlLink'))}</a></p>` +
    `<p>${t(lang, 'balanceAlert.htmlQuestions', safe)}</p>`;
  return { subject: t(lang, 'balanceAlert.subject', words), body, html };
}

/** Send-time re-check: a queued alert whose balance was paid in the meantime is cancelled, not sent. */
export async function balanceAlertCancelReason(db: Database, patientId: number | null, now: Date): Promise<string | null> {
  if (patientId == null) return 'No patient';
  const practice = await db
    .selectFrom('patients')
    .innerJoin('practices', 'practices.id', 'patients.practice_id')
    .select('practices.balance_alert_frequency')
    .where('patients.id', '=', patientId)
    .executeTakeFirst();
  if (!practice || practice.balance_alert_frequency === 'off') return 'Balance alerts are set to Don’t Send';
  const row = await db
    .selectFrom('ledger_entries')
    .select(sql<number>`coalesce(sum(${signedAmount()}), 0)::bigint`.as('balance'))
    .where('patient_id', '=', patientId)
    .where('posted_at', '<=', now)
    .executeTakeFirst();
  return Number(row?.balance ?? 0) > 0 ? null : 'Balance was paid';
}

registerSendCheck(BALANCE_ALERT_KIND, (db, message, now) => balanceAlertCancelReason(db, message.patient_id, now));

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
