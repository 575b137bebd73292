import { heavyWorkTurn } from '../jobs/yield.ts';
import { sql } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import type { Database } from '../db/database.ts';
import { assertCan, ownPractice, practiceAuditLog, practicePatients, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { dateTimeFormat } from '../intl.ts';
import { REPORT_COLUMNS } from './labels.ts';

// The Patient Email Report (docs/rules.md, Patient Email Report): every patient's contact information, for
// import into a marketing platform outside StrataEMR. It is the way out for marketing, so it is
// complete (all patients, or the active ones) and says who unsubscribed from email.
//
// It streams: rows are read in keyset pages of PAGE_SIZE and written as CSV page by page, so a
// practice with hundreds of thousands of patients costs the same memory as one with ten. Cells are
// escaped against spreadsheet formula injection. Every export is an audit row with its filter and
// row count (written when the download ends, also when the client goes away mid-way).

/** Rows per query: small enough that one page on the embedded database (same thread) holds the stall budget. */
export const PAGE_SIZE = 500;
export type ReportFilter = 'active' | 'all';

export function parseReportFilter(raw: string | undefined): ReportFilter | null {
  if (raw === undefined || raw === '' || raw === 'active') return 'active';
  if (raw === 'all') return 'all';
  return null;
}

type Row = {
  id: number;
  first_name: string;
  last_name: string;
  email: string | null;
  mobile_phone: string | null;
  account_number: string;
  status: string;
  unsubscribed: boolean;
};

/**
 * Writes the report to `write` (which may wait, for backpressure) and records the export.
 * Returns how many patient rows were written.
 */
export async function exportPatientEmailReport(
  db: Database,
  actor: Actor,
  filter: ReportFilter,
  now: Date,
  write: (chunk: string) => Promise<unknown>,
  meta: { ip?: string | null; aborted?: () => boolean } = {},
): Promise<number> {
  assertCan(actor, 'reports.run');
  let rows = 0;
  let completed = false;
  try {
    await write(stringify([REPORT_COLUMNS as unknown as string[]]));
    for await (const page of reportPages(db, actor, filter)) {
      if (meta.aborted?.()) break;
      // Written in a turn of its own (src/jobs/yield.ts), not in the callback that read the page.
      await heavyWorkTurn();
      await write(stringify(page.map(reportLine)));
      rows += page.length;
    }
    completed = !meta.aborted?.();
  } finally {
    await recordAudit(db, {
      at: now,
      actor,
      action: 'report.patient_email.exported',
      recordType: 'report',
      recordId: 'patient-email',
      ip: meta.ip ?? null,
      details: { filter, rows, completed },
    });
  }
  return rows;
}

/** One CSV line's cells, each escaped against formula injection. */
export function reportLine(r: Row): string[] {
  return [r.first_name, r.last_name, r.email ?? '', displayPhone(r.mobile_phone), r.account_number, r.status === 'active' ? 'Active' : 'Inactive', r.unsubscribed ? 'Yes' : 'No'].map(
    escapeFormula,
  );
}

/**
 * A cell a spreadsheet would run as a formula (it starts with =, +, -, @, tab or carriage return)
 * gets a leading apostrophe, which spreadsheets show as text (OWASP's CSV injection advice).
 */
export function escapeFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** North American numbers in their national form, "(555) 010-0101", which a spreadsheet reads as text; others as stored. */
export function displayPhone(phone: string | null): string {
  if (!phone) return '';
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : phone;
}

// Keyset pages by id: each page is one indexed range read, whatever the practice's size.
async function* reportPages(db: Database, actor: Actor, filter: ReportFilter): AsyncGenerator<Row[]> {
  let after = 0;
  for (;;) {
    let q = practicePatients(db, actor)
      .select([
        'patients.id',
        'patients.first_name',
        'patients.last_name',
        'patients.email',
        'patients.mobile_phone',
        'patients.account_number',
        'patients.status',
        sql<boolean>`(
          exists (select 1 from subscriptions s where s.patient_id = patients.id and s.channel = 'email' and not s.subscribed)
          or exists (select 1 from email_suppressions e where e.patient_id = patients.id and patients.email is not null and lower(e.email) = lower(patients.email))
        )`.as('unsubscribed'),
      ])
      .where('patients.id', '>', after)
      .orderBy('patients.id')
      .limit(PAGE_SIZE);
    if (filter === 'active') q = q.where('patients.status', '=', 'active');
    const page = (await q.execute()) as Row[];
    if (!page.length) return;
    yield page;
    if (page.length < PAGE_SIZE) return;
    after = page[page.length - 1].id;
  }
}

export async function reportFilename(db: Database, actor: Actor, now: Date): Promise<string> {
  const practice = await ownPractice(db, actor).select(['name', 'time_zone']).executeTakeFirstOrThrow();
  const date = dateTimeFormat('en-CA', { timeZone: practice.time_zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const slug = practice.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `patient-email-report-${slug}-${date}.csv`;
}

export type ExportRecord = { at: Date; by: string; filter: string; rows: number; completed: boolean };

/** The practice's recent exports, from the audit trail. */
export async function recentExports(db: Database, actor: Actor, limit = 10): Promise<ExportRecord[]> {
  assertCan(actor, 'reports.run');
  const rows = await practiceAuditLog(db, actor)
    .leftJoin('users as u', 'u.id', 'audit_log.actor_user_id')
    .select(['audit_log.at', 'u.name', 'audit_log.details'])
    .where('audit_log.action', '=', 'report.patient_email.exported')
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const d = r.details as { filter?: string; rows?: number; completed?: boolean };
    return { at: new Date(r.at), by: r.name ?? 'unknown', filter: d.filter ?? '', rows: d.rows ?? 0, completed: d.completed !== false };
  });
}
