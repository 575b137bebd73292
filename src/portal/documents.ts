import PDFDocument from 'pdfkit';
import type { Database } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import type { LedgerKind } from '../ledger/ledger.ts';
import { balanceDelta } from '../ledger/signed-amount.ts';
import { statementCopyPdf } from '../statements/access.ts';
import { formatCents, localeOf, t } from '../intl.ts';
import type { Language } from '../db/schema.ts';
import { dateTimeFormat } from '../intl.ts';
import { practiceContact, type PracticeContact } from './access.ts';
import type { PortalSession } from './sessions.ts';

// What a verified patient can keep: their statements (the same PDF staff see), a receipt for each
// payment, and the dated lines behind each case's balance. Like account.ts, every query is keyed
// from the portal session's patient and practice, never from an id alone, and every document
// opened is an audit row.

export type PortalStatement = { id: number; statement_date: string; balance_cents: number };

/** The patient's statements, newest first (read as part of the balance page's statement: account.ts). */
export function portalStatementsQuery(db: Database, session: Pick<PortalSession, 'practiceId' | 'patientId'>) {
  return db
    .selectFrom('statements')
    .select(['statements.id', 'statements.statement_date', 'statements.balance_cents'])
    .where('statements.practice_id', '=', session.practiceId)
    .where('statements.patient_id', '=', session.patientId)
    .orderBy('statements.generated_at', 'desc')
    .orderBy('statements.id', 'desc');
}

/** One of the patient's statements as the PDF staff see; null when it is not theirs. */
export async function portalStatementPdf(db: Database, session: PortalSession, statementId: number, now: Date, ip: string | null) {
  const row = await db
    .selectFrom('statements')
    .select(['id', 'content', 'delivery', 'statement_date'])
    .where('id', '=', statementId)
    .where('practice_id', '=', session.practiceId)
    .where('patient_id', '=', session.patientId)
    .executeTakeFirst();
  if (!row) return null;
  await audit(db, session, now, ip, 'portal.statement_downloaded', 'statement', row.id);
  return { pdf: await statementCopyPdf(row), filename: `statement-${row.statement_date}.pdf` };
}

export type Receipt = {
  id: number;
  practice: PracticeContact;
  patientName: string;
  accountNumber: string;
  paidAt: Date;
  amountCents: number;
  caseTitle: string;
  /** "Card ending 1111", "Paid at the office". */
  method: string;
  reference: string;
  /** The patient's language at the time (the session's, or the portal switch's). */
  language: Language;
  /** The facts in the order the page and the PDF show them. */
  lines: [string, string][];
};

/** A receipt for one of the patient's payments (online or at the desk), in the session's language; null when it is not theirs. */
export async function portalReceipt(db: Database, session: PortalSession, entryId: number, now: Date, ip: string | null): Promise<Receipt | null> {
  const row = await db
    .selectFrom('ledger_entries')
    .innerJoin('cases', 'cases.id', 'ledger_entries.case_id')
    .innerJoin('patients', 'patients.id', 'ledger_entries.patient_id')
    .leftJoin('payment_requests', 'payment_requests.ledger_entry_id', 'ledger_entries.id')
    .select([
      'ledger_entries.id',
      'ledger_entries.posted_at',
      'ledger_entries.amount_cents',
      'ledger_entries.source',
      'ledger_entries.external_ref',
      'cases.title as case_title',
      'patients.first_name',
      'patients.last_name',
      'patients.account_number',
      'payment_requests.card_last4',
      'payment_requests.trans_id',
    ])
    .where('ledger_entries.id', '=', entryId)
    .where('ledger_entries.practice_id', '=', session.practiceId)
    .where('ledger_entries.patient_id', '=', session.patientId)
    .where('ledger_entries.kind', '=', 'payment')
    .executeTakeFirst();
  if (!row) return null;
  await audit(db, session, now, ip, 'portal.receipt_viewed', 'ledger_entry', row.id);
  const online = row.source === 'portal';
  const practice = await practiceContact(db, session.practiceId);
  const lang = session.language;
  const receipt = {
    language: lang,
    id: row.id,
    practice,
    patientName: `${row.first_name} ${row.last_name}`,
    accountNumber: row.account_number,
    paidAt: row.posted_at,
    amountCents: row.amount_cents,
    caseTitle: row.case_title,
    method: online ? (row.card_last4 ? t(lang, 'portal.receiptDoc.cardEnding', { last4: row.card_last4 }) : t(lang, 'portal.receiptDoc.cardOnline')) : t(lang, 'portal.receiptDoc.atOffice'),
    reference: online && row.trans_id ? t(lang, 'portal.receiptDoc.anetReference', { id: row.trans_id }) : t(lang, 'portal.receiptDoc.receiptReference', { id: row.id }),
  };
  return { ...receipt, lines: receiptLines(receipt, practice.time_zone) };
}

export function renderReceiptPdf(r: Receipt): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'LETTER', margin: 54, info: { Title: `Receipt ${r.id}`, Author: r.practice.name } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(r.practice.name);
  doc.font('Helvetica').fontSize(10).text(t(r.language, 'portal.receiptDoc.phone', { phone: r.practice.phone }));
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(14).text(t(r.language, 'portal.receipt.title'));
  doc.font('Helvetica').fontSize(11);
  for (const [label, value] of r.lines) doc.text(`${label}: ${value}`);
  doc.moveDown();
  doc.fontSize(10).text(t(r.language, 'portal.receiptDoc.thanks'));
  doc.end();
  return done;
}

function receiptLines(r: Omit<Receipt, 'lines'>, timeZone: string): [string, string][] {
  const lang = r.language;
  const date = dateTimeFormat(localeOf(lang), { timeZone, month: 'long', day: 'numeric', year: 'numeric' }).format(r.paidAt);
  return [
    [t(lang, 'portal.receiptDoc.date'), date],
    [t(lang, 'portal.receiptDoc.patient'), t(lang, 'portal.receiptDoc.patientValue', { name: r.patientName, account: r.accountNumber })],
    [t(lang, 'portal.receiptDoc.amountPaid'), formatCents(r.amountCents, lang)],
    [t(lang, 'portal.receiptDoc.for'), r.caseTitle],
    [t(lang, 'portal.receiptDoc.method'), r.method],
    [t(lang, 'portal.receiptDoc.reference'), r.reference],
  ];
}

export type VisitLine = { id: number; posted_at: Date; kind: LedgerKind; description: string; amount_cents: number; delta_cents: number; running_cents: number };
export type VisitDetail = { caseId: number; title: string; lines: VisitLine[]; balanceCents: number };

/** The dated lines behind one case's balance; null when the case is not the patient's. */
export async function portalCaseDetail(db: Database, session: PortalSession, caseId: number, now: Date, ip: string | null): Promise<VisitDetail | null> {
  const kase = await db
    .selectFrom('cases')
    .select(['id', 'title'])
    .where('id', '=', caseId)
    .where('practice_id', '=', session.practiceId)
    .where('patient_id', '=', session.patientId)
    .executeTakeFirst();
  if (!kase) return null;
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['id', 'posted_at', 'kind', 'note', 'amount_cents'])
    .where('practice_id', '=', session.practiceId)
    .where('patient_id', '=', session.patientId)
    .where('case_id', '=', kase.id)
    .orderBy('posted_at')
    .orderBy('id')
    .execute();
  await audit(db, session, now, ip, 'portal.case_viewed', 'case', kase.id);
  let running = 0;
  const lines = rows.map((r) => {
    const delta = balanceDelta(r.kind, r.amount_cents);
    running += delta;
    return { id: r.id, posted_at: r.posted_at, kind: r.kind, description: r.note ?? '', amount_cents: r.amount_cents, delta_cents: delta, running_cents: running };
  });
  return { caseId: kase.id, title: kase.title, lines, balanceCents: running };
}

function audit(db: Database, session: PortalSession, now: Date, ip: string | null, action: string, recordType: string, recordId: number) {
  return recordAudit(db, {
    at: now,
    actor: { kind: 'patient', practice_id: session.practiceId },
    action,
    recordType,
    recordId,
    ip,
    details: { patientId: session.patientId, linkId: session.linkId },
  });
}
