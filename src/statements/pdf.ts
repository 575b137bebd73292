import PDFDocument from 'pdfkit';
import { heavyWorkTurn } from '../jobs/yield.ts';
import type { StatementContent } from './statements.ts';
import type { Language } from '../db/schema.ts';
import { dateTimeFormat, formatCents, localeOf, t } from '../intl.ts';

// Statement PDFs, drawn from the snapshot a statement keeps, so a statement always shows the lines
// it had when it was made. One statement per page run; a print batch is many in one document.

export type PayOnline =
  | { kind: 'link'; url: string }
  /** A copy: where the personal link went instead of the link (by email, or printed on the mailed statement). */
  | { kind: 'note'; emailed: boolean };

export type PrintableStatement = { content: StatementContent; payOnline: PayOnline };

/**
 * Renders statements into one PDF and resolves with its bytes. A print batch of a thousand takes
 * seconds of CPU: the event loop gets a turn after every statement, so nobody else waits.
 */
export async function renderStatementsPdf(statements: PrintableStatement[], title: string, onProgress?: (pages: number) => void): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'LETTER', margin: 54, info: { Title: title, Author: 'StrataEMR' }, bufferPages: false });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (let i = 0; i < statements.length; i++) {
    if (i > 0) doc.addPage();
    drawStatement(doc, statements[i]);
    // A statement takes ~10 ms of CPU (drawing and compressing its page): five at a time held the
    // event loop for ~50 ms, a third of /healthz's worst answer in the full-scale stall bench.
    onProgress?.(i + 1);
    await heavyWorkTurn();
  }
  if (!statements.length) doc.fontSize(12).text('This batch has no statements.');
  doc.end();
  return done;
}

function drawStatement(doc: PDFKit.PDFDocument, s: PrintableStatement) {
  const c = s.content;
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  // In the patient's language (docs/rules.md, Language); the practice's, the case's and the notes' words stay as typed.
  const lang: Language = c.language ?? 'en';
  const money = (cents: number) => formatCents(cents, lang);
  const phone = c.practice.phone;

  doc.font('Helvetica-Bold').fontSize(16).text(c.practice.name, left, doc.page.margins.top);
  doc.font('Helvetica').fontSize(10).text(t(lang, 'statement.phone', { phone }));
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').fontSize(14).text(t(lang, 'statement.title'));
  doc.font('Helvetica').fontSize(10);
  doc.text(t(lang, 'statement.date', { date: longDate(c.statementDate, lang) }));
  doc.text(t(lang, 'statement.patient', { name: c.patient.name }));
  doc.text(t(lang, 'statement.account', { account: c.patient.accountNumber }));
  doc.moveDown(0.8);

  if (c.mailTo) {
    doc.font('Helvetica-Bold').text(t(lang, 'statement.mailTo'));
    doc.font('Helvetica').text(c.mailTo.name);
    for (const line of c.mailTo.lines) doc.text(line);
    doc.moveDown(0.8);
  }

  doc.font('Helvetica-Bold').fontSize(13).text(t(lang, 'statement.balanceDue', { amount: money(c.balanceCents) }));
  doc.font('Helvetica').fontSize(10).moveDown(0.8);

  const cols = { date: left, desc: left + 80, charge: left + width - 170, credit: left + width - 80 };
  const row = (date: string, desc: string, charge: string, credit: string, bold = false) => {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 40) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    doc.text(date, cols.date, y, { width: 75 });
    doc.text(desc, cols.desc, y, { width: cols.charge - cols.desc - 10 });
    const after = doc.y;
    doc.text(charge, cols.charge, y, { width: 80, align: 'right' });
    doc.text(credit, cols.credit, y, { width: 80, align: 'right' });
    doc.x = left;
    doc.y = Math.max(after, y + 14);
  };

  doc.font('Helvetica-Bold').fontSize(12).text(t(lang, 'statement.activity'), left);
  doc.fontSize(10).moveDown(0.3);
  row(t(lang, 'statement.colDate'), t(lang, 'statement.colDescription'), t(lang, 'statement.colCharges'), t(lang, 'statement.colCredits'), true);
  if (c.balanceForwardCents !== 0) row('', t(lang, 'statement.balanceForward'), c.balanceForwardCents > 0 ? money(c.balanceForwardCents) : '', c.balanceForwardCents < 0 ? money(-c.balanceForwardCents) : '');
  for (const kase of c.cases) {
    doc.moveDown(0.4);
    doc.font('Helvetica-Bold').text(t(lang, 'statement.case', { case: kase.title }), left);
    for (const e of kase.entries) row(e.date, e.description, e.chargeCents ? money(e.chargeCents) : '', e.creditCents ? money(e.creditCents) : '');
    row('', t(lang, 'statement.caseTotal', { amount: money(kase.subtotalCents) }), '', '', true);
  }
  doc.moveDown(0.8);
  doc.font('Helvetica-Bold').fontSize(12).text(t(lang, 'statement.balanceDue', { amount: money(c.balanceCents) }), left);
  doc.moveDown(0.8);

  doc.font('Helvetica-Bold').fontSize(11).text(t(lang, 'statement.howToPay'), left);
  doc.font('Helvetica').fontSize(10);
  if (s.payOnline.kind === 'link') doc.text(t(lang, 'statement.online', { url: s.payOnline.url }), { link: s.payOnline.url });
  else doc.text(t(lang, s.payOnline.emailed ? 'statement.onlineEmailed' : 'statement.onlineMailed'));
  doc.text(t(lang, 'statement.byPhone', { phone }));
  doc.moveDown(0.5);
  doc.fillColor('#555555').text(t(lang, 'statement.questions', { practice: c.practice.name, phone })).fillColor('black');
}

function longDate(iso: string, lang: Language): string {
  const [y, m, d] = iso.split('-').map(Number);
  return dateTimeFormat(localeOf(lang), { timeZone: 'UTC', month: 'long', day: 'numeric', year: 'numeric' }).format(new Date(Date.UTC(y, m - 1, d)));
}
