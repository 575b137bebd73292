import { heavyWorkTurn } from '../jobs/yield.ts';
import { trackWork } from '../jobs/heartbeat.ts';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { assertCan, findPatient, practiceStatements, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { issuePortalLink } from '../portal/links.ts';
import { NotFound } from '../web/errors.ts';
import { renderStatementsPdf, type PrintableStatement } from './pdf.ts';
import type { StatementContent } from './statements.ts';

// Who sees statements: practice staff, on the patient's Statements tab (their practice only), and
// the vendor's Billing team, who download the day's print batch for the mail house. Every PDF
// opened is an audit row.

export type PatientStatementRow = {
  id: number;
  statement_date: string;
  cycle: number;
  balance_cents: number;
  delivery: 'mail' | 'electronic';
  address_kind: 'alternate' | 'demographic' | null;
  batch_date: string | null;
  batch_downloaded_at: Date | null;
  email_status: string | null;
};

export async function findStatementPatient(db: Database, actor: Actor, patientId: number) {
  assertCan(actor, 'patients.view');
  return findPatient(db, actor, patientId);
}

export async function listPatientStatements(db: Database, actor: Actor, patientId: number): Promise<PatientStatementRow[]> {
  const patient = await findStatementPatient(db, actor, patientId);
  return (await practiceStatements(db, actor)
    .leftJoin('print_batches as b', 'b.id', 's.print_batch_id')
    .leftJoin('outbox_messages as o', 'o.id', 's.outbox_message_id')
    .select(['s.id', 's.statement_date', 's.cycle', 's.balance_cents', 's.delivery', 's.address_kind', 'b.batch_date', 'b.downloaded_at as batch_downloaded_at', 'o.status as email_status'])
    .where('s.patient_id', '=', patient.id)
    .orderBy('s.generated_at', 'desc')
    .orderBy('s.id', 'desc')
    .execute()) as PatientStatementRow[];
}

/** A statement's PDF as staff see it; the personal payment link exists only on what the patient gets. */
export async function staffStatementPdf(db: Database, actor: Actor, patientId: number, statementId: number, now: Date, ip: string | null) {
  const patient = await findStatementPatient(db, actor, patientId);
  const row = await practiceStatements(db, actor)
    .select(['s.id', 's.content', 's.delivery', 's.statement_date'])
    .where('s.id', '=', statementId)
    .where('s.patient_id', '=', patient.id)
    .executeTakeFirst();
  if (!row) throw new NotFound();
  await recordAudit(db, { at: now, actor, action: 'statement.viewed', recordType: 'statement', recordId: row.id, ip, details: { patient_id: patient.id } });
  return { pdf: await statementCopyPdf(row), filename: `statement-${patient.account_number}-${row.statement_date}.pdf` };
}

/**
 * A copy of a statement as it was made, for staff and for the patient in the portal alike: in place
 * of the personal payment link, where that link was sent.
 */
export function statementCopyPdf(row: { content: unknown; delivery: 'mail' | 'electronic'; statement_date: string }): Promise<Buffer> {
  return renderStatementsPdf([{ content: row.content as StatementContent, payOnline: { kind: 'note', emailed: row.delivery === 'electronic' } }], `Statement ${row.statement_date}`);
}

export type PrintBatchRow = {
  id: number;
  practice_name: string;
  batch_date: string;
  statements: number;
  downloaded_at: Date | null;
  downloaded_by: string | null;
};

export async function listPrintBatches(db: Database, actor: Actor, limit = 60): Promise<PrintBatchRow[]> {
  assertCan(actor, 'statements.print');
  return (await db
    .selectFrom('print_batches as b')
    .innerJoin('practices as p', 'p.id', 'b.practice_id')
    .leftJoin('users as u', 'u.id', 'b.downloaded_by_user_id')
    .select([
      'b.id',
      'p.name as practice_name',
      'b.batch_date',
      'b.downloaded_at',
      'u.name as downloaded_by',
      sql<number>`(select count(*)::int from statements s where s.print_batch_id = b.id)`.as('statements'),
    ])
    .orderBy('b.batch_date', 'desc')
    .orderBy('p.name')
    .limit(limit)
    .execute()) as PrintBatchRow[];
}

/**
 * One PDF of a batch's statements, in mailing order. Each mailed statement gets a fresh personal
 * portal link printed on it (the token exists only on paper; the database keeps its hash).
 */
export async function printBatchPdf(db: Database, actor: Actor, batchId: number, now: Date, publicUrl: string, ip: string | null) {
  assertCan(actor, 'statements.print');
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .selectFrom('print_batches as b')
      .innerJoin('practices as p', 'p.id', 'b.practice_id')
      .select(['b.id', 'b.practice_id', 'b.batch_date', 'b.downloaded_at', 'p.name'])
      .where('b.id', '=', batchId)
      .executeTakeFirst();
    if (!batch) throw new NotFound();
    const rows = await trx
      .selectFrom('statements as s')
      .innerJoin('patients as p', 'p.id', 's.patient_id')
      .select(['s.id', 's.patient_id', 's.content'])
      .where('s.print_batch_id', '=', batch.id)
      .orderBy('p.last_name')
      .orderBy('p.first_name')
      .orderBy('s.id')
      .execute();
    // Progress for the Jobs page: a link per statement, then a page per statement.
    const work = trackWork('print-batch', `Print batch ${batch.batch_date} (${batch.name})`, rows.length * 2, now);
    try {
      const printable: PrintableStatement[] = [];
      for (const [i, r] of rows.entries()) {
        const link = await issuePortalLink(trx, now, publicUrl, { practiceId: batch.practice_id, patientId: r.patient_id, purpose: 'statement' });
        printable.push({ content: r.content as StatementContent, payOnline: { kind: 'link', url: link.url } });
        if (i % 50 === 49) {
          work.update(i + 1);
          await heavyWorkTurn();
        }
      }
      if (!batch.downloaded_at) {
        await trx.updateTable('print_batches').set({ downloaded_at: now, downloaded_by_user_id: actor.id }).where('id', '=', batch.id).execute();
      }
      await recordAudit(trx, {
        at: now,
        actor,
        practiceId: batch.practice_id,
        action: 'print_batch.downloaded',
        recordType: 'print_batch',
        recordId: batch.id,
        ip,
        details: { statements: rows.length },
      });
      const slug = batch.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
      const pdf = await renderStatementsPdf(printable, `Print batch ${batch.batch_date}`, (pages) => work.update(rows.length + pages));
      return { pdf, filename: `statements-${slug}-${batch.batch_date}.pdf` };
    } finally {
      work.end();
    }
  });
}
