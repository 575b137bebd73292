import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Patient } from '../db/schema.ts';
import { enqueueMessage } from '../messaging/outbox.ts';
import { portalLinkPlaceholderUrl } from '../messaging/portal-link-token.ts';
import { registerSendCheck } from '../messaging/checks.ts';
import { issuePortalLink } from '../portal/links.ts';
import { dateTimeFormat, t, type MessageKey } from '../intl.ts';
import type { Language } from '../db/schema.ts';
import { balanceDelta, signedAmount } from '../ledger/signed-amount.ts';
import { LEDGER_KINDS } from '../ledger/labels.ts';

// Patient statements (docs/rules.md, Statements): generated at 30, 60 and 90 days after the first
// patient responsibility of the current unpaid balance, while the balance is above zero, once each.
//
// "The current unpaid balance" starts after the last moment the patient owed nothing: walk the
// patient's ledger in posting order (all cases together) keeping the running balance; the last
// entry after which the balance was zero or less closes the previous balance. The anchor is the
// first responsibility after it (or the first responsibility ever, if the balance never returned to
// zero). Paying off and owing again starts a new anchor, and with it a new 30/60/90 series.
//
// A cycle is due on the practice's local calendar day anchor + N, and stays due for 30 days (so a
// scheduler outage of a few days still produces it, but a deployment does not flood patients whose
// balances are years old). The unique key (patient, anchor, cycle) makes each statement happen
// once, also with several instances running the job at the same moment.
//
// Electronic statements are emailed as a portal link (no amounts, no PDF). Mailed statements go to
// the alternate statement address when one is set, otherwise the demographic address, and join the
// practice's print batch for the day, which the vendor's Billing team downloads as one PDF. Balance
// alerts never read the statement address: they use the Patient Engagement contact.

export const CYCLES = [30, 60, 90] as const;
export type Cycle = (typeof CYCLES)[number];
/** How long after its day a missed cycle is still generated. */
export const CYCLE_GRACE_DAYS = 30;

export type MailAddress = { name: string; lines: string[] };
export type StatementEntry = { date: string; description: string; chargeCents: number; creditCents: number };
export type StatementContent = {
  /** The patient's language when the statement was made; older snapshots have none (English). */
  language?: Language;
  practice: { name: string; phone: string };
  patient: { name: string; accountNumber: string };
  statementDate: string;
  cycle: Cycle;
  delivery: 'mail' | 'electronic';
  mailTo: MailAddress | null;
  balanceForwardCents: number;
  cases: { title: string; entries: StatementEntry[]; subtotalCents: number }[];
  balanceCents: number;
};

type Due = {
  patient_id: number;
  practice_id: number;
  anchor_entry_id: number;
  anchor_at: Date;
  cycle: Cycle;
  balance_cents: number;
  today: string;
};

/** One pass of the 'statements' job; returns how many statements it generated. */
export async function runStatements(db: Database, now: Date, publicUrl: string): Promise<number> {
  let generated = 0;
  for (const due of await findDueStatements(db, now)) {
    if (await generateStatement(db, now, publicUrl, due)) generated++;
  }
  return generated;
}

/** Patients owed a statement now: set-based over the ledger, at most one cycle per patient. */
export async function findDueStatements(db: Database, now: Date): Promise<Due[]> {
  const { rows } = await sql<Due>`
    with running as (
      select l.id, l.practice_id, l.patient_id, l.kind, l.posted_at,
             sum(${signedAmount('l')})
               over (partition by l.patient_id order by l.posted_at, l.id) as balance
        from ledger_entries l
       where l.posted_at <= ${now}
    ),
    marked as (
      select r.*,
             count(*) filter (where r.balance <= 0)
               over (partition by r.patient_id order by r.posted_at desc, r.id desc) as settled_at_or_after,
             first_value(r.balance) over (partition by r.patient_id order by r.posted_at desc, r.id desc) as current_balance
        from running r
    ),
    anchors as (
      select distinct on (m.patient_id) m.patient_id, m.practice_id, m.id as anchor_entry_id, m.posted_at as anchor_at, m.current_balance
        from marked m
       where m.settled_at_or_after = 0 and m.kind = 'responsibility' and m.current_balance > 0
       order by m.patient_id, m.posted_at, m.id
    )
    select a.patient_id, a.practice_id, a.anchor_entry_id, a.anchor_at, c.cycle,
           a.current_balance::int as balance_cents,
           to_char((${now}::timestamptz at time zone p.time_zone)::date, 'YYYY-MM-DD') as today
      from anchors a
      join practices p on p.id = a.practice_id
      cross join (values (30), (60), (90)) as c(cycle)
     where (a.anchor_at at time zone p.time_zone)::date + c.cycle <= (${now}::timestamptz at time zone p.time_zone)::date
       and (${now}::timestamptz at time zone p.time_zone)::date < (a.anchor_at at time zone p.time_zone)::date + c.cycle + ${CYCLE_GRACE_DAYS}::int
       and not exists (
         select 1 from statements s
          where s.patient_id = a.patient_id and s.anchor_entry_id = a.anchor_entry_id and s.cycle = c.cycle)
     order by a.practice_id, a.patient_id`.execute(db);
  return rows.map((r) => ({ ...r, cycle: Number(r.cycle) as Cycle, anchor_at: new Date(r.anchor_at) }));
}

/**
 * Makes one statement and starts its delivery, in one transaction. Returns the statement id, or
 * null when another instance made it first.
 */
export async function generateStatement(db: Database, now: Date, publicUrl: string, due: Due): Promise<number | null> {
  return inTransaction(db, async (trx) => {
    const patient = await trx.selectFrom('patients').selectAll().where('id', '=', due.patient_id).where('practice_id', '=', due.practice_id).executeTakeFirstOrThrow();
    const practice = await trx.selectFrom('practices').select(['name', 'phone', 'time_zone']).where('id', '=', due.practice_id).executeTakeFirstOrThrow();
    const emailUsable = patient.email ? !(await isSuppressed(trx, patient.id, patient.email)) : false;
    const delivery = patient.statement_delivery === 'electronic' && emailUsable ? 'electronic' : 'mail';
    const mail = delivery === 'mail' ? statementAddress(patient) : null;
    const lang = patient.preferred_language;
    const content: StatementContent = {
      language: lang,
      practice: { name: practice.name, phone: practice.phone },
      patient: { name: `${patient.first_name} ${patient.last_name}`, accountNumber: patient.account_number },
      statementDate: due.today,
      cycle: due.cycle,
      delivery,
      mailTo: mail?.address ?? null,
      ...(await statementActivity(trx, due.patient_id, due.anchor_entry_id, now, practice.time_zone, lang)),
      balanceCents: due.balance_cents,
    };
    const inserted = await trx
      .insertInto('statements')
      .values({
        practice_id: due.practice_id,
        patient_id: due.patient_id,
        anchor_entry_id: due.anchor_entry_id,
        anchor_at: due.anchor_at,
        cycle: due.cycle,
        statement_date: due.today,
        balance_cents: due.balance_cents,
        delivery,
        address_kind: mail?.kind ?? null,
        content: JSON.stringify(content),
        generated_at: now,
      })
      .onConflict((oc) => oc.columns(['patient_id', 'anchor_entry_id', 'cycle']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return null;

    if (delivery === 'electronic') {
      const link = await issuePortalLink(trx, now, publicUrl, { practiceId: due.practice_id, patientId: due.patient_id, purpose: 'statement' });
      const outboxId = await enqueueMessage(trx, now, {
        practiceId: due.practice_id,
        patientId: due.patient_id,
        kind: 'statement',
        channel: 'email',
        recipient: patient.email!,
        subject: t(lang, 'statement.subject', { practice: practice.name }),
        body: statementEmail(practice, portalLinkPlaceholderUrl(publicUrl), lang),
        portalLinkToken: link.token,
        reason: { statementId: inserted.id, language: lang },
        dedupeKey: `statement:${inserted.id}:email`,
      });
      await trx.updateTable('statements').set({ outbox_message_id: outboxId }).where('id', '=', inserted.id).execute();
    } else if (mail) {
      const batchId = await printBatchFor(trx, due.practice_id, due.today, now);
      await trx.updateTable('statements').set({ print_batch_id: batchId }).where('id', '=', inserted.id).execute();
    }
    return inserted.id;
  });
}

/** The email for an electronic statement: that one is ready, the link, the phone. No amounts. */
export function statementEmail(practice: { name: string; phone: string }, url: string, lang: Language = 'en'): string {
  return t(lang, 'statement.email', { practice: practice.name, phone: practice.phone, url });
}

type AddressFields = Pick<
  Patient,
  'first_name' | 'last_name' | 'address_line1' | 'address_line2' | 'city' | 'state' | 'postal_code' | 'alt_address_line1' | 'alt_address_line2' | 'alt_city' | 'alt_state' | 'alt_postal_code'
>;

/** Where a mailed statement goes: the alternate statement address when set, else the demographic one. */
export function statementAddress(p: AddressFields): { kind: 'alternate' | 'demographic'; address: MailAddress } | null {
  const name = `${p.first_name} ${p.last_name}`;
  const format = (l1: string | null, l2: string | null, city: string | null, state: string | null, zip: string | null) =>
    l1?.trim() ? [l1.trim(), l2?.trim() ?? '', [city?.trim(), [state?.trim(), zip?.trim()].filter(Boolean).join(' ')].filter(Boolean).join(', ')].filter(Boolean) : null;
  const alt = format(p.alt_address_line1, p.alt_address_line2, p.alt_city, p.alt_state, p.alt_postal_code);
  if (alt) return { kind: 'alternate', address: { name, lines: alt } };
  const home = format(p.address_line1, p.address_line2, p.city, p.state, p.postal_code);
  if (home) return { kind: 'demographic', address: { name, lines: home } };
  return null;
}

// The itemised activity of the current unpaid balance, per case: every entry from the anchor on,
// and the balance carried from before it (zero or a credit).
async function statementActivity(db: Database, patientId: number, anchorEntryId: number, now: Date, timeZone: string, lang: Language) {
  const anchor = await db.selectFrom('ledger_entries').select(['posted_at', 'id']).where('id', '=', anchorEntryId).executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('ledger_entries as l')
    .innerJoin('cases as c', 'c.id', 'l.case_id')
    .select(['l.id', 'l.kind', 'l.amount_cents', 'l.posted_at', 'l.note', 'c.id as case_id', 'c.title'])
    .where('l.patient_id', '=', patientId)
    .where('l.posted_at', '<=', now)
    .orderBy('l.posted_at')
    .orderBy('l.id')
    .execute();
  const isAfterAnchor = (r: { posted_at: Date; id: number }) => {
    const a = new Date(anchor.posted_at).getTime(), t = new Date(r.posted_at).getTime();
    return t > a || (t === a && r.id >= anchor.id);
  };
  const signed = (r: { kind: keyof typeof LEDGER_KINDS; amount_cents: number }) => balanceDelta(r.kind, r.amount_cents);
  const balanceForwardCents = rows.filter((r) => !isAfterAnchor(r)).reduce((sum, r) => sum + signed(r), 0);
  const day = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cases = new Map<number, { title: string; entries: StatementEntry[]; subtotalCents: number }>();
  for (const r of rows.filter(isAfterAnchor)) {
    const c = cases.get(r.case_id) ?? { title: r.title, entries: [], subtotalCents: 0 };
    const label = t(lang, STATEMENT_KIND_KEYS[r.kind]);
    c.entries.push({
      date: day.format(new Date(r.posted_at)),
      description: r.note?.trim() ? `${label}: ${r.note.trim()}` : label,
      chargeCents: signed(r) > 0 ? r.amount_cents : 0,
      creditCents: signed(r) > 0 ? 0 : r.amount_cents,
    });
    c.subtotalCents += signed(r);
    cases.set(r.case_id, c);
  }
  return { balanceForwardCents, cases: [...cases.values()] };
}

const STATEMENT_KIND_KEYS = {
  responsibility: 'statement.responsibility',
  payment: 'statement.payment',
  adjustment: 'statement.adjustment',
  refund: 'statement.refund',
} as const satisfies Record<keyof typeof LEDGER_KINDS, MessageKey>;

// The caller's transaction when there is one (the demo seed), else a new one.
function inTransaction<T>(db: Database, fn: (trx: Database) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

async function printBatchFor(db: Database, practiceId: number, date: string, now: Date): Promise<number> {
  await db
    .insertInto('print_batches')
    .values({ practice_id: practiceId, batch_date: date, created_at: now })
    .onConflict((oc) => oc.columns(['practice_id', 'batch_date']).doNothing())
    .execute();
  const row = await db.selectFrom('print_batches').select('id').where('practice_id', '=', practiceId).where('batch_date', '=', date).executeTakeFirstOrThrow();
  return row.id;
}

async function isSuppressed(db: Database, patientId: number, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('email_suppressions')
    .select('id')
    .where('patient_id', '=', patientId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  return !!row;
}

/** The send-time check for statement emails: a statement paid off before it went out is not sent. */
export async function statementCancelReason(db: Database, reason: Record<string, unknown>): Promise<string | null> {
  const id = Number(reason.statementId);
  if (!Number.isSafeInteger(id)) return 'statement unknown';
  const row = await sql<{ balance: number | null }>`
    select sum(${signedAmount('l')})::int as balance
      from statements s join ledger_entries l on l.patient_id = s.patient_id
     where s.id = ${id}`.execute(db);
  const balance = row.rows[0]?.balance ?? 0;
  return balance > 0 ? null : 'balance paid';
}

registerSendCheck('statement', (db, message) => statementCancelReason(db, message.reason as Record<string, unknown>));
