import { heavyWorkTurn } from '../jobs/yield.ts';
import { trackWork } from '../jobs/heartbeat.ts';
import { sql, type RawBuilder } from 'kysely';
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
// The rule is decided from the ledger and the outbox, so a new charge keeps the cadence, and one after
// alerts stopped starts them again at the next run. The balance and the latest responsibility are read
// from patients.balance_cents / last_responsibility_at, which a trigger on ledger_entries keeps
// (migrations/20261123_0400_patients.ts); the send-time re-check sums the ledger itself.
//
// Which pairs a run looks at: balance_alert_checks, a row per subscribed pair saying when it could next
// be due. The run raises it for every pair it examines (the cadence's end after an alert) and deletes
// it while nothing can make the pair due; triggers set it back (or add it) whenever something could
// make the pair due sooner (migrations/20261204_0100_balance_alert_next_check.ts and
// 20261204_0400_balance_alert_checks.ts). A steady day reads the pairs whose time has come, not every
// account with a balance.

export const RESPONSIBILITY_WINDOW_DAYS = 60;
export const BALANCE_ALERT_KIND = 'balance_alert';
/**
 * How many lanes a run splits the pairs into (by patient): each is worked through by its own
 * connection, so a first run over a million accounts uses two of the database's cores, not one
 * (docs/performance-log.md, "The first alert run in two lanes"). Every instance splits the same way,
 * so lane k of one run and lane k of another's exclude each other (the advisory lock on RUN_LOCK_KEY
 * and k).
 */
const LANES = 2;
/** One batch of a lane at a time across instances, so two instances do not examine the same pairs at once. */
const RUN_LOCK_KEY = 6_002_001;
/** Subscriptions examined per statement (and per transaction, unless the caller passes one). */
const BATCH = 5_000;

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

// The rule's parts, over `s` (the pair: its subscription or its check), `p` (patients) and `pr` (practices), shared by the
// selection and the run's statement.

/** The address on file for the channel is there and usable: no STOP for the number, no bounce or complaint for the address. */
const usable = sql`((s.channel = 'sms' and p.mobile_phone is not null and p.mobile_phone <> ''
                     and not exists (select 1 from sms_opt_outs so where so.practice_id = p.practice_id and so.phone = p.mobile_phone))
                 or (s.channel = 'email' and p.email is not null and p.email <> ''
                     and not exists (select 1 from email_suppressions es where es.patient_id = p.id and lower(es.email) = lower(p.email))))`;

const recipient = sql`case s.channel when 'sms' then p.mobile_phone else p.email end`;

/** Nothing about the pair can make it due until something changes (and a trigger says so). */
const parked = (now: Date) =>
  sql`(pr.balance_alert_frequency = 'off' or p.balance_cents <= 0 or p.last_responsibility_at is null
       or p.last_responsibility_at <= ${now}::timestamptz - make_interval(days => ${RESPONSIBILITY_WINDOW_DAYS}) or not ${usable})`;

/**
 * The last alert on the pair's channel, one index probe (outbox_balance_alert_idx), as a lateral with
 * a limit rather than NOT EXISTS: the run's batches see the rows its earlier batches wrote, which the
 * table's statistics do not, and an anti join planned on "no alerts yet" went quadratic (9.6 s for
 * the sixth chunk of 5,000 accounts; docs/performance-log.md, "Set-based alert run").
 */
const lastAlert = (patient: RawBuilder<unknown>, channel: RawBuilder<unknown>, when: RawBuilder<unknown> = sql`true`) => sql`left join lateral (
    select m.created_at from outbox_messages m
     where ${when} and m.patient_id = ${patient} and m.kind = 'balance_alert' and m.channel = ${channel} and m.status <> 'cancelled'
     order by m.created_at desc
     limit 1) last_alert on true`;

/** The cadence allows an alert now: none yet, or the last one is an interval old (a calendar month in the practice's calendar). */
const cadenceAllows = (now: Date, frequency: RawBuilder<unknown>, timeZone: RawBuilder<unknown>) =>
  sql`(last_alert.created_at is null
       or last_alert.created_at <= case ${frequency}
            when 'biweekly' then ${now}::timestamptz - interval '14 days'
            else ((${now}::timestamptz at time zone ${timeZone}) - interval '1 month') at time zone ${timeZone}
          end)`;

/** When the cadence allows the next alert after one at `at`. */
export const cadenceEnd = (at: RawBuilder<unknown>, frequency: RawBuilder<unknown>, timeZone: RawBuilder<unknown>) =>
  sql`case ${frequency} when 'biweekly' then ${at} + interval '14 days'
        else ((${at} at time zone ${timeZone}) + interval '1 month') at time zone ${timeZone} end`;

/**
 * The due (patient, channel) pairs, in one set-based statement. Indexes it relies on are in
 * migrations/20261123_0400_patients.ts and 20261204_0100_balance_alert_next_check.ts;
 * bench/alert-selection.ts runs it at a million accounts.
 */
export async function selectDueBalanceAlerts(db: Database, now: Date, options: { limit?: number } = {}): Promise<DueBalanceAlert[]> {
  const select = (trx: Database) =>
    withSelectionPlan(trx, async () => {
      const { rows } = await dueBalanceAlertsQuery(now, options).execute(trx);
      return rows.map((r) => ({ ...r, patient_id: Number(r.patient_id), practice_id: Number(r.practice_id) }));
    });
  return db.isTransaction ? select(db) : db.transaction().execute(select);
}

/**
 * Runs `fn` inside `trx` with the plan the selection is read with, as the run's batches read: each
 * waiting subscription, then its account by primary key. Left alone, the planner hashes every account
 * with a balance (a full scan of 1M on the benchmark, 774k kept) and compiles the plan (JIT, 0.46 s):
 * 2.9 s for the typical dataset's 111,022 pairs, against 1.4 s this way (README, "Each subscription's
 * next check"). The settings are reset afterwards, as the caller's transaction may go on (after an
 * error it cannot: the caller rolls it back).
 */
export async function withSelectionPlan<T>(trx: Database, fn: () => Promise<T>): Promise<T> {
  await sql`set local enable_hashjoin = off`.execute(trx);
  await sql`set local enable_mergejoin = off`.execute(trx);
  await sql`set local jit = off`.execute(trx);
  const result = await fn();
  await sql`reset enable_hashjoin`.execute(trx);
  await sql`reset enable_mergejoin`.execute(trx);
  await sql`reset jit`.execute(trx);
  return result;
}

/**
 * The selection as a query object, so the benchmark can EXPLAIN exactly what runs. `everyPair` reads
 * every subscribed pair instead of those whose next check has come: the rule alone, which the tests
 * hold equal to the selection after every kind of change.
 */
export function dueBalanceAlertsQuery(now: Date, options: { limit?: number; everyPair?: boolean } = {}) {
  return sql<DueBalanceAlert>`
    select p.id as patient_id, p.practice_id, s.channel, ${recipient} as recipient,
           pr.name as practice_name, pr.phone as practice_phone, pr.time_zone, p.preferred_language as language
      from ${options.everyPair ? sql`subscriptions` : sql`balance_alert_checks`} s
      join patients p on p.id = s.patient_id
      join practices pr on pr.id = p.practice_id
      ${lastAlert(sql`p.id`, sql`s.channel`)}
     where ${options.everyPair ? sql`s.kind = 'balance_alert' and s.subscribed` : sql`s.next_at <= ${now}::timestamptz`}
       and not ${parked(now)}
       and p.last_responsibility_at <= ${now}::timestamptz
       and ${cadenceAllows(now, sql`pr.balance_alert_frequency`, sql`pr.time_zone`)}
     ${options.limit ? sql`limit ${options.limit}` : sql``}`;
}

/**
 * One run of the scheduled job: examines the pairs whose next check has come, 5,000 per statement,
 * queues an alert for each due one and raises every examined pair's next check. The rows carry the
 * template key and its parameters; the words and the portal link are made when each one is sent
 * (templates.ts, and the 'balance_alert' template below). Returns how many were queued.
 *
 * Each batch commits on its own (unless the caller passes a transaction): a payment whose trigger
 * sets a pair back waits for one batch, not for the run, and the embedded database, which runs in
 * the app's thread, answers other requests between batches.
 *
 * The pairs are split by patient into LANES lanes, each worked through by its own connection at the
 * same time (one after the other inside a caller's transaction, which has one connection). `lanes` is
 * for the benchmark's one-lane figure: instances must all split the same way.
 */
export async function runBalanceAlerts(db: Database, now: Date, publicUrl: string, options: { batch?: number; lanes?: number } = {}): Promise<number> {
  const size = options.batch ?? BATCH;
  const lanes = options.lanes ?? LANES;
  const practices = await db.selectFrom('practices').select('time_zone').distinct().where('balance_alert_frequency', '<>', 'off').execute();
  if (!practices.length) return 0;
  const zones = zoneCalendar(now, practices.map((p) => p.time_zone));
  const waiting = await db
    .selectFrom('balance_alert_checks')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('next_at', '<=', now)
    .executeTakeFirstOrThrow();
  const batches = Math.ceil(Number(waiting.n) / size);
  if (!batches) return 0;
  const work = trackWork('balance-alerts', `Balance-alert run (${size.toLocaleString('en-US')} subscriptions at a time)`, batches, now);
  let batchesDone = 0;
  const runLane = async (lane: Lane): Promise<number> => {
    let queued = 0;
    let after: BatchKey | null = null;
    for (;;) {
      const batch = (trx: Database) => runBatch(trx, now, publicUrl, zones, size, lane, after, !db.isTransaction);
      let done: Awaited<ReturnType<typeof runBatch>>;
      try {
        done = await (db.isTransaction ? batch(db) : db.transaction().execute(batch));
      } catch (err) {
        // The batch waited too long for a row another transaction holds (below): it was rolled back
        // whole, and the next run carries on from the pairs still waiting.
        if (!db.isTransaction && (err as { code?: string }).code === LOCK_NOT_AVAILABLE) break;
        throw err;
      }
      // Another instance is running a batch of this lane: it carries on with the rest.
      if (!done) break;
      queued += done.queued;
      after = done.last;
      work.update(Math.min(++batchesDone, batches));
      await heavyWorkTurn();
      if (done.examined < size) break;
    }
    return queued;
  };
  try {
    const all = Array.from({ length: lanes }, (_, index) => ({ index, of: lanes }));
    if (db.isTransaction) {
      let queued = 0;
      for (const lane of all) queued += await runLane(lane);
      return queued;
    }
    // Both lanes end before the run does, even when one fails: the work shown, and the caller, wait for both.
    const settled = await Promise.allSettled(all.map(runLane));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0);
  } finally {
    work.end();
  }
}

/** Per time zone: the cycle's day (for the dedupe key) and when texts may go (quiet hours). */
function zoneCalendar(now: Date, timeZones: string[]): string {
  const zones = [...new Set(timeZones)].map((time_zone) => ({ time_zone, day: localDate(now, time_zone), texts_from: (nextTextWindow(now, time_zone) ?? now).toISOString() }));
  return JSON.stringify(zones);
}

/**
 * Where the last batch ended, in the index's order. The next starts after it rather than at the start
 * of the range: the pairs behind it were raised, but their old index entries stay until vacuum, and
 * inside one transaction every batch would step over all of them again (the benchmark's typical first
 * run: 24.2 s instead of 12.5). A pair set back behind it meanwhile waits for the next run.
 */
type BatchKey = { at: string; patient_id: number; channel: string };

/** Lane `index` of `of`: the pairs whose patient id is `index` modulo `of`. */
type Lane = { index: number; of: number };

/** PostgreSQL's error for a lock not granted within lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

async function runBatch(trx: Database, now: Date, publicUrl: string, zones: string, size: number, lane: Lane, after: BatchKey | null, ownTransaction: boolean): Promise<{ queued: number; examined: number; last: BatchKey | null } | null> {
  const { rows: lock } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${RUN_LOCK_KEY}::int, ${lane.index}::int) as locked`.execute(trx);
  if (!lock[0]?.locked) return null;
  // The batch updates up to 5,000 pairs' checks in its own order, while the triggers that set pairs
  // back lock theirs in another (an import updating many patients, a practice's frequency changed),
  // so the two could wait for each other. The batch gives up first, well before PostgreSQL's deadlock
  // check (1 s) would abort one side, which could be the other: the writer then goes on, and the next
  // run redoes this batch. Waits shorter than this (a payment's trigger) are simply waited out.
  if (ownTransaction) await sql`set local lock_timeout = '200ms'`.execute(trx);
  await batchPlanSettings(trx);
  const { rows } = await batchQuery(now, publicUrl, zones, size, lane, after).execute(trx);
  const row = rows[0];
  const last = row?.last_at == null ? null : { at: row.last_at, patient_id: Number(row.last_patient_id), channel: String(row.last_channel) };
  return { queued: Number(row?.queued ?? 0), examined: Number(row?.examined ?? 0), last };
}

/**
 * How each batch is planned (set for the batch's transaction only). The statement is prepared
 * (src/db/database.ts), and after five runs PostgreSQL may keep a generic plan, blind to the time:
 * measured at 200,000 accounts, a run took 235 s instead of 13 s. A custom plan per batch costs a few
 * milliseconds of planning.
 *
 * Every read in the batch is a probe by key or an index range with a limit. A lane's first batch is
 * planned while the outbox may still be empty (a first run, or the benchmark's), and the planner then
 * reads it whole for each pair's last alert and dedupe key; the other lane fills it meanwhile, so that
 * one batch grows quadratic: measured 0.7–8.8 s, and runs of 47 and 51 s where one lane ran alone for
 * its last 40 s (docs/performance-log.md, "A lane's first batch"). With sequential scans priced out the plan is the same
 * at any size.
 */
async function batchPlanSettings(trx: Database) {
  await sql`set local plan_cache_mode = force_custom_plan`.execute(trx);
  await sql`set local enable_seqscan = off`.execute(trx);
}

/** The plan a run's first batch of lane 0 gets (EXPLAIN without ANALYZE: nothing is written), for the tests. */
export async function explainBalanceAlertBatch(db: Database, now: Date, publicUrl: string): Promise<string> {
  const explain = async (trx: Database) => {
    await batchPlanSettings(trx);
    const practices = await trx.selectFrom('practices').select('time_zone').distinct().execute();
    const query = batchQuery(now, publicUrl, zoneCalendar(now, practices.map((p) => p.time_zone)), BATCH, { index: 0, of: LANES }, null);
    const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(trx);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  return db.isTransaction ? explain(db) : db.transaction().execute(explain);
}

/**
 * One batch: the next `size` pairs whose check has come; an outbox row for each due one (one per
 * patient, channel and cycle day, even if two runs meet); and each pair's next check:
 *   - never (its row deleted) while nothing about it can make it due: a trigger adds it back when something changes;
 *   - a responsibility dated in the future: then;
 *   - alerted now: when the cadence allows the next;
 *   - due, but this cycle day's alert exists already: the next day in the practice's calendar;
 *   - not due yet by the cadence: when it allows the next (at least a moment after now, so the run moves on).
 */
function batchQuery(now: Date, publicUrl: string, zones: string, size: number, lane: Lane, after: BatchKey | null) {
  const key = sql`'balance-alert:' || c.patient_id || ':' || c.channel || ':' || c.day`;
  return sql<{ queued: string; examined: string; last_at: string | null; last_patient_id: string | null; last_channel: string | null }>`
    with batch as materialized (
      select k.next_at, k.patient_id, k.channel from balance_alert_checks k
       where k.next_at <= ${now}::timestamptz
         ${lane.of > 1 ? sql`and k.patient_id % ${lane.of} = ${lane.index}` : sql``}
         ${after ? sql`and (k.next_at, k.patient_id, k.channel) > (${after.at}::timestamptz, ${after.patient_id}, ${after.channel})` : sql``}
       order by k.next_at, k.patient_id, k.channel
       limit ${size}),
    examined as materialized (
      select s.patient_id, s.channel, p.practice_id, ${recipient} as recipient, pr.name as practice_name, pr.phone as practice_phone,
             pr.time_zone, pr.balance_alert_frequency as frequency, p.preferred_language as language, p.last_responsibility_at,
             ${parked(now)} as parked
        from batch s
        join patients p on p.id = s.patient_id
        join practices pr on pr.id = p.practice_id),
    checked as materialized (
      select e.*, z.day, z.texts_from, last_alert.created_at as last_alert_at,
             (not e.parked and e.last_responsibility_at <= ${now}::timestamptz and ${cadenceAllows(now, sql`e.frequency`, sql`e.time_zone`)}) as due
        from examined e
        left join jsonb_to_recordset(${zones}::jsonb) as z(time_zone text, day text, texts_from timestamptz) on z.time_zone = e.time_zone
        ${lastAlert(sql`e.patient_id`, sql`e.channel`, sql`not e.parked`)}),
    -- Whether this cycle day's alert exists already is read here, one probe of the key's index per due
    -- pair, rather than by joining the insert's returned rows: the planner cannot count those and
    -- joined them in a nested loop (5,000 × 2,700 comparisons, 1.8 s a batch).
    decided as materialized (
      select c.*, ${key} as dedupe_key,
             case when c.due and c.day is not null
                  then not exists (select 1 from outbox_messages m where m.dedupe_key = ${key})
                  else false end as to_queue
        from checked c),
    queued as (
      insert into outbox_messages (practice_id, patient_id, kind, channel, recipient, template, template_params, dedupe_key, next_attempt_at, created_at, updated_at)
      select d.practice_id, d.patient_id, ${BALANCE_ALERT_KIND}, d.channel, d.recipient, ${BALANCE_ALERT_KIND},
             jsonb_build_object('practice_name', d.practice_name, 'practice_phone', d.practice_phone, 'language', d.language, 'public_url', ${publicUrl}::text),
             d.dedupe_key,
             -- Texts wait for 08:00 in the practice's time zone (the dispatcher checks again at send time).
             case when d.channel = 'sms' then d.texts_from else ${now}::timestamptz end,
             ${now}, ${now}
        from decided d
       where d.to_queue
      -- One alert per patient, channel and cycle day, even if two runs meet.
      on conflict (dedupe_key) do nothing
      returning 1),
    raised as (
      update balance_alert_checks k
         set next_at = case
               when c.last_responsibility_at > ${now}::timestamptz then c.last_responsibility_at
               when c.to_queue then ${cadenceEnd(sql`${now}::timestamptz`, sql`c.frequency`, sql`c.time_zone`)}
               when c.due then coalesce(((c.day::date + 1)::timestamp at time zone c.time_zone), ${now}::timestamptz + interval '1 millisecond')
               else greatest(${cadenceEnd(sql`c.last_alert_at`, sql`c.frequency`, sql`c.time_zone`)}, ${now}::timestamptz + interval '1 millisecond')
             end
        from decided c
       where not c.parked and k.patient_id = c.patient_id and k.channel = c.channel
      returning 1),
    -- Nothing to wait for: no row, so no new version and no index entry (a trigger adds it back).
    idle as (
      delete from balance_alert_checks k
       using decided c
       where c.parked and k.patient_id = c.patient_id and k.channel = c.channel
      returning 1)
    select (select count(*) from queued) as queued, (select count(*) from batch) as examined, last.*
      from (select 1) one
      left join (select next_at::text as last_at, patient_id as last_patient_id, channel as last_channel
                   from batch order by next_at desc, patient_id desc, channel desc limit 1) last on true`;
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
