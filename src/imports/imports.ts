import { createHash } from 'node:crypto';
import { CsvError, parse } from 'csv-parse';
import { TZDate } from '@date-fns/tz';
import type { Database } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { ImportKind, ImportRejection, ImportStatus, Language } from '../db/schema.ts';
import { assertCan, practiceIdOf, practiceImports, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { NotFound } from '../web/errors.ts';
import { normalizeEmail, normalizePhone } from '../messaging/phone.ts';
import { parseAmountToCents } from '../ledger/money.ts';
import { parseDateOfBirth } from '../patients/patients.ts';
import { sql } from 'kysely';
import { importRows, importRowsPerSecond } from '../web/metrics.ts';
import { heavyWorkTurn, yieldToEventLoop } from '../jobs/yield.ts';
import { byteaValue } from '../db/bytea.ts';
import { IMPORT_COLUMNS, IMPORT_KINDS } from './labels.ts';

// CSV import of patients, ledger entries and appointments, worked as a durable job: the upload is
// stored and answered at once; an instance claims it (lease + heartbeat), checks every row, and
// only if none is rejected saves the rows in committed batches (a successor resumes after the last). The same bytes uploaded again add nothing (the
// file's hash is unique per practice and kind), and rows already present by account number or
// external reference are counted as existing, not inserted twice.

export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
/** Rejections kept for the report; the count is always exact. */
const MAX_STORED_REJECTIONS = 5_000;
const BATCH = 500;
/** Accepted rows saved per transaction: each batch commits with the import's progress. */
const SAVE_BATCH = 500;

export type ImportRow = {
  id: number;
  kind: ImportKind;
  filename: string;
  size_bytes: number;
  status: ImportStatus;
  total_rows: number;
  processed_rows: number;
  inserted_rows: number;
  existing_rows: number;
  rejected_rows: number;
  errors: ImportRejection[];
  created_at: Date;
  finished_at: Date | null;
  created_by_name: string | null;
  leased_by: string | null;
  accepted_rows: number;
  saved_rows: number;
};

export type StartResult =
  | { ok: true; id: number; alreadyImported: boolean; started: boolean }
  | { ok: false; errors: Record<string, string> };

/**
 * Registers an upload. Returns the existing import when these exact bytes were already imported
 * (or are being imported) for this practice and kind; otherwise a new row the caller processes.
 */
export async function startImport(db: Database, actor: Actor, input: { kind: string; filename: string; bytes: Buffer | null }, now: Date): Promise<StartResult> {
  assertCan(actor, 'patients.import');
  const practiceId = practiceIdOf(actor);
  const errors: Record<string, string> = {};
  if (!(input.kind in IMPORT_KINDS)) errors.kind = 'Choose what the file contains.';
  if (!input.bytes || input.bytes.length === 0) errors.file = 'Choose a CSV file to upload.';
  else if (input.bytes.length > MAX_IMPORT_BYTES) errors.file = 'The file is larger than 20 MB; split it into smaller files.';
  if (Object.keys(errors).length || !input.bytes) return { ok: false, errors };
  const kind = input.kind as ImportKind;
  const { sha256, rows: totalRows } = await digestUpload(input.bytes);
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('imports')
      .select(['id', 'status'])
      .where('practice_id', '=', practiceId)
      .where('kind', '=', kind)
      .where('sha256', '=', sha256)
      .where('status', 'in', ['validating', 'saving', 'committed'])
      .executeTakeFirst();
    if (existing) return { ok: true as const, id: existing.id, alreadyImported: existing.status === 'committed', started: false };
    const row = await trx
      .insertInto('imports')
      .values({
        practice_id: practiceId,
        kind,
        sha256,
        filename: input.filename.replace(/[^\w .()-]/g, '_').slice(0, 200) || 'upload.csv',
        size_bytes: input.bytes!.length,
        created_by_user_id: actor.id,
        created_at: now,
        updated_at: now,
        total_rows: totalRows,
        errors: JSON.stringify([]),
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      // Another upload of the same bytes won the race.
      const other = await trx.selectFrom('imports').select(['id', 'status']).where('practice_id', '=', practiceId).where('kind', '=', kind).where('sha256', '=', sha256).where('status', 'in', ['validating', 'saving', 'committed']).executeTakeFirstOrThrow();
      return { ok: true as const, id: other.id, alreadyImported: other.status === 'committed', started: false };
    }
    // The file is kept with the import until it ends, so any instance can work it, and resume it.
    await storeUpload(trx, row.id, practiceId, input.bytes!);
    await recordAudit(trx, { at: now, actor, action: 'import.started', recordType: 'import', recordId: row.id, details: { kind } });
    return { ok: true as const, id: row.id, alreadyImported: false, started: true };
  });
}

export async function findImport(db: Database, actor: Actor, id: number): Promise<ImportRow> {
  assertCan(actor, 'patients.import');
  const row = await practiceImports(db, actor)
    .leftJoin('users', 'users.id', 'imports.created_by_user_id')
    .select([
      'imports.id', 'imports.kind', 'imports.filename', 'imports.size_bytes', 'imports.status', 'imports.total_rows', 'imports.processed_rows',
      'imports.inserted_rows', 'imports.existing_rows', 'imports.rejected_rows', 'imports.errors', 'imports.created_at', 'imports.finished_at',
      'users.name as created_by_name', 'imports.leased_by', 'imports.accepted_rows', 'imports.saved_rows',
    ])
    .where('imports.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

export async function recentImports(db: Database, actor: Actor): Promise<ImportRow[]> {
  assertCan(actor, 'patients.import');
  const rows = await practiceImports(db, actor)
    .leftJoin('users', 'users.id', 'imports.created_by_user_id')
    .select([
      'imports.id', 'imports.kind', 'imports.filename', 'imports.size_bytes', 'imports.status', 'imports.total_rows', 'imports.processed_rows',
      'imports.inserted_rows', 'imports.existing_rows', 'imports.rejected_rows', 'imports.created_at', 'imports.finished_at',
      'users.name as created_by_name', 'imports.leased_by', 'imports.accepted_rows', 'imports.saved_rows',
    ])
    .orderBy('imports.created_at', 'desc')
    .orderBy('imports.id', 'desc')
    .limit(20)
    .execute();
  return rows.map((r) => ({ ...r, errors: [] }));
}

/** How long an instance's claim on an import holds without a heartbeat (each batch renews it). */
export const IMPORT_LEASE_MS = 30_000;

export type ImportWorker = {
  /** Names the instance in the lease (host:pid). */
  workerId: string;
  leaseMs?: number;
  /** Aborted at shutdown: the worker stops after its current batch and hands the import back. */
  signal?: AbortSignal;
};

class LeaseLost extends Error {}
class Stopped extends Error {}

/**
 * Claims the oldest import that is waiting for a worker, or whose worker stopped renewing its lease
 * (a process killed mid-import), and works it to the end. Returns the import's id, or null when
 * there was none to claim. Any instance may call it: the claim is `for update skip locked`.
 */
export async function claimNextImport(db: Database, now: Date, worker: ImportWorker): Promise<number | null> {
  const leaseMs = worker.leaseMs ?? IMPORT_LEASE_MS;
  const claimed = await sql<{ id: number }>`
    update imports set leased_by = ${worker.workerId}, lease_until = ${new Date(now.getTime() + leaseMs)}
     where id = (
       select id from imports
        where status in ('validating', 'saving') and (lease_until is null or lease_until <= ${now})
        order by id limit 1
        for update skip locked)
    returning id`.execute(db);
  return claimed.rows[0]?.id ?? null;
}

/** Works every claimable import, one after another; returns how many it took up. */
export async function runImports(db: Database, clock: Clock, worker: ImportWorker): Promise<number> {
  let n = 0;
  while (!worker.signal?.aborted) {
    const id = await claimNextImport(db, clock.now(), worker);
    if (id === null) break;
    n++;
    await processImport(db, clock, id, worker);
  }
  return n;
}

const kicked = new WeakMap<Database, { again: boolean }>();

/**
 * Starts this instance's import worker now (an upload just answered) unless it is running, in which
 * case it looks once more before it stops. The scheduled `imports` job does the same every few
 * seconds on every instance, so an import whose process died is taken up by another one when its
 * lease runs out.
 */
export function kickImports(db: Database, clock: Clock, worker: ImportWorker, onError: (err: unknown) => void): void {
  const running = kicked.get(db);
  if (running) {
    running.again = true;
    return;
  }
  const state = { again: false };
  kicked.set(db, state);
  void (async () => {
    try {
      do {
        state.again = false;
        await runImports(db, clock, worker);
      } while (state.again);
    } catch (err) {
      onError(err);
    } finally {
      kicked.delete(db);
    }
  })();
}

/**
 * Works one claimed import: first every row is checked (nothing is written to the practice's tables,
 * so a file with a rejected row saves nothing), then the accepted rows are saved in batches, each
 * committed with the import's progress. A successor resumes after the last committed batch; inserts
 * skip rows already present, so a row is saved once.
 */
export async function processImport(db: Database, clock: Clock, importId: number, worker: ImportWorker): Promise<void> {
  const leaseMs = worker.leaseMs ?? IMPORT_LEASE_MS;
  const imp = await db
    .selectFrom('imports')
    .innerJoin('practices', 'practices.id', 'imports.practice_id')
    .select(['imports.id', 'imports.kind', 'imports.status', 'imports.practice_id', 'imports.created_by_user_id', 'practices.time_zone', 'imports.processed_rows', 'imports.rejected_rows', 'imports.errors', 'imports.saved_rows'])
    .where('imports.id', '=', importId)
    .executeTakeFirstOrThrow();

  /** Writes progress and renews the lease, only while this worker still holds it. */
  const heartbeat = async (conn: Database, changes: Record<string, unknown>) => {
    const now = clock.now();
    const r = await conn
      .updateTable('imports')
      .set({ ...changes, lease_until: new Date(now.getTime() + leaseMs), updated_at: now } as never)
      .where('id', '=', importId)
      .where('leased_by', '=', worker.workerId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new LeaseLost();
  };
  const checkStop = () => {
    if (worker.signal?.aborted) throw new Stopped();
  };

  try {
    const parts = await db
      .selectFrom('import_uploads')
      .select(['part', sql<number>`octet_length(bytes)`.as('size')])
      .where('import_id', '=', importId)
      .orderBy('part')
      .execute();
    if (!parts.length) {
      await finish(db, clock, importId, { status: 'failed', errors: [{ row: 0, field: '', problem: 'The uploaded file is no longer stored. Nothing was saved; upload it again.' }] });
      return;
    }
    // ---- check every row. A successor re-reads rows already checked without reporting them again.
    const checkedBefore = imp.status === 'validating' ? imp.processed_rows : Number.MAX_SAFE_INTEGER;
    const rejections: ImportRejection[] = imp.status === 'validating' ? [...imp.errors] : [];
    let rejectedRows = imp.status === 'validating' ? imp.rejected_rows : 0;
    const accepted: AcceptedRow[] = [];
    const validator = VALIDATORS[imp.kind];
    const ctx: ValidationContext = { db, practiceId: imp.practice_id, timeZone: imp.time_zone, now: clock.now() };
    const seen = new Map<string, number>();
    let processed = 0;
    let batch: { row: number; record: Record<string, string> }[] = [];
    let batchStarted = performance.now();

    const flush = async () => {
      if (!batch.length) return;
      checkStop();
      const results = await validator(ctx, batch, seen);
      let fresh = 0;
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        const isNew = processed + i >= checkedBefore;
        if (r.rejections.length) {
          // Rows checked before a restart were reported then; in the save phase every row had passed.
          if (imp.status === 'saving') throw new Error('a row that passed its check no longer does (the data changed during the import)');
          if (isNew) {
            rejectedRows++;
            for (const rej of r.rejections) if (rejections.length < MAX_STORED_REJECTIONS) rejections.push(rej);
          }
        } else if (r.accepted && rejectedRows === 0) accepted.push(r.accepted);
        if (isNew) fresh++;
      }
      processed += batch.length;
      batch = [];
      if (fresh) {
        await heartbeat(db, { processed_rows: processed, rejected_rows: rejectedRows, errors: JSON.stringify(rejections) });
        observeRate(imp.kind, 'checked', fresh, batchStarted);
      } else {
        await heartbeat(db, {}); // re-reading rows a predecessor checked: keep the claim alive
      }
      batchStarted = performance.now();
      await heavyWorkTurn();
    };

    let headerChecked = false;
    let row = 1;
    try {
      for await (const record of csvRecords(uploadSlices(db, importId, parts))) {
        row++;
        if (!headerChecked) {
          headerChecked = true;
          const problems = headerProblems(imp.kind, Object.keys(record));
          if (problems.length) {
            rejections.splice(0, rejections.length, ...problems);
            rejectedRows = 1;
            break;
          }
        }
        batch.push({ row, record });
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    } catch (err) {
      // Only the parser's own errors are the file's fault; a failed query is the outer handler's.
      if (!(err instanceof CsvError)) throw err;
      rejections.push({ row, field: '', problem: `The file is not valid CSV: ${(err as Error).message.split('\n')[0].slice(0, 200)}` });
      rejectedRows++;
    }
    if (!headerChecked && !rejections.length) {
      rejections.push({ row: 1, field: '', problem: 'The file has no rows below its header.' });
      rejectedRows = 1;
    }
    if (rejections.length) {
      await db.transaction().execute(async (trx) => {
        await heartbeat(trx, {});
        await finish(trx, clock, importId, { status: 'rejected', processed_rows: Math.max(processed, imp.processed_rows), rejected_rows: rejectedRows, errors: rejections });
        await trx.deleteFrom('import_uploads').where('import_id', '=', importId).execute();
      });
      return;
    }
    if (imp.status === 'validating') await heartbeat(db, { status: 'saving', processed_rows: processed, accepted_rows: accepted.length });

    // ---- save the accepted rows, a batch per transaction, from the last committed one on.
    const saver = SAVERS[imp.kind];
    const saveCtx: SaveContext = { practiceId: imp.practice_id, userId: imp.created_by_user_id, now: clock.now() };
    for (let i = imp.saved_rows; i < accepted.length; i += SAVE_BATCH) {
      checkStop();
      const started = performance.now();
      const chunk = accepted.slice(i, i + SAVE_BATCH);
      await db.transaction().execute(async (trx) => {
        // First: holding the import row's lock, so no other worker can be saving the same rows.
        await heartbeat(trx, {});
        const fresh = chunk.filter((a) => !a.existing);
        const inserted = fresh.length ? await saver(trx, saveCtx, fresh) : 0;
        await heartbeat(trx, {
          saved_rows: i + chunk.length,
          inserted_rows: sql`inserted_rows + ${inserted}`,
          existing_rows: sql`existing_rows + ${chunk.length - inserted}`,
        });
      });
      observeRate(imp.kind, 'saved', chunk.length, started);
      await heavyWorkTurn();
    }
    await db.transaction().execute(async (trx) => {
      await heartbeat(trx, {});
      const done = await trx
        .updateTable('imports')
        .set({ status: 'committed', finished_at: clock.now(), updated_at: clock.now(), leased_by: null, lease_until: null })
        .where('id', '=', importId)
        .returning(['inserted_rows', 'existing_rows'])
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('import_uploads').where('import_id', '=', importId).execute();
      await recordAudit(trx, {
        at: clock.now(),
        actor: { kind: 'staff', id: imp.created_by_user_id, practice_id: imp.practice_id } as never,
        action: 'import.committed',
        recordType: 'import',
        recordId: importId,
        details: { kind: imp.kind, inserted: done.inserted_rows, existing: done.existing_rows },
      });
    });
  } catch (err) {
    if (err instanceof LeaseLost) return; // another instance holds it now
    if (err instanceof Stopped) {
      // Shutting down: hand the import back at once rather than when the lease runs out.
      await db.updateTable('imports').set({ lease_until: null, leased_by: null }).where('id', '=', importId).where('leased_by', '=', worker.workerId).execute();
      return;
    }
    const saved = (await db.selectFrom('imports').select('inserted_rows').where('id', '=', importId).executeTakeFirst())?.inserted_rows ?? 0;
    const message = saved
      ? `The import stopped on an unexpected error after saving ${saved} new rows. Upload the file again to save the rest: rows already saved are skipped.`
      : 'The import stopped on an unexpected error. Nothing was saved.';
    await finish(db, clock, importId, { status: 'failed', errors: [{ row: 0, field: '', problem: message }] });
    await db.deleteFrom('import_uploads').where('import_id', '=', importId).execute();
    throw err;
  }
}

/** The stored upload's parts: 1 MB. */
const UPLOAD_SLICE = 1 << 20;

/**
 * What is read back per query: 256 KB. pg receives bytea as hex text, so a slice arrives as twice its
 * size and is decoded in one turn of the event loop; at 1 MB that turn was 15 ms of the thread in
 * the full-scale stall bench, more under load (docs/performance-log.md, "Heavy work and the stall budget").
 */
const READ_SLICE = 256 * 1024;

/**
 * The upload's digest (the same file twice is one import) and its rows as the progress bar's total
 * (lines after the header), a megabyte per turn of the event loop: a 9.4 MB file hashed at once was
 * 20–30 ms of the thread.
 */
async function digestUpload(bytes: Buffer): Promise<{ sha256: string; rows: number }> {
  const hash = createHash('sha256');
  let lines = 0;
  for (let at = 0; at < bytes.length; at += UPLOAD_SLICE) {
    const slice = bytes.subarray(at, at + UPLOAD_SLICE);
    hash.update(slice);
    for (let i = slice.indexOf(10); i !== -1; i = slice.indexOf(10, i + 1)) lines++;
    if (at + UPLOAD_SLICE < bytes.length) await yieldToEventLoop();
  }
  if (bytes.length && bytes[bytes.length - 1] !== 10) lines++;
  return { sha256: hash.digest('hex'), rows: Math.max(0, lines - 1) };
}

/**
 * Stores an upload as parts of UPLOAD_SLICE bytes, one statement each with a turn of the event loop
 * between them (byteaValue: as base64), so no statement holds the embedded database, which runs in
 * this thread, for more than a slice. Issue 16's stall budget.
 */
async function storeUpload(trx: Database, importId: number, practiceId: number, bytes: Buffer) {
  for (let part = 0; part * UPLOAD_SLICE < bytes.length; part++) {
    const slice = bytes.subarray(part * UPLOAD_SLICE, (part + 1) * UPLOAD_SLICE);
    await trx
      .insertInto('import_uploads')
      .values({ import_id: importId, practice_id: practiceId, part, bytes: byteaValue(slice) })
      .execute();
    await yieldToEventLoop();
  }
}

/**
 * The stored upload, a slice per query, part after part. Read whole, a 9 MB file came back as one
 * 18 MB hex string, decoded in one turn of the event loop (40–60 ms on the bench machine, more under
 * load): issue 16's stall budget. The column is stored uncompressed (migration 20261203_1300), so a
 * slice of a larger part (one stored before parts were) reads only its own chunks.
 */
async function* uploadSlices(db: Database, importId: number, parts: { part: number; size: number }[]): AsyncGenerator<Buffer> {
  for (const { part, size } of parts) {
    for (let from = 0; from < Number(size); from += READ_SLICE) {
      const slice = await db
        .selectFrom('import_uploads')
        .select(sql<Buffer>`substring(bytes from ${from + 1} for ${READ_SLICE})`.as('bytes'))
        .where('import_id', '=', importId)
        .where('part', '=', part)
        .executeTakeFirst();
      // Removed only when the import ended: another worker holds it now.
      if (!slice) throw new LeaseLost();
      yield slice.bytes;
    }
  }
}

/**
 * Rows of the file, parsed from 16 KB slices with a turn of the event loop between them. At 64 KB a
 * slice was 7 ms of csv-parse (p50, the bench machine unloaded; 49 ms at worst) and a 100 ms event-loop
 * delay of the full-scale stall bench; 16 KB is 2 ms (16 ms at worst), the same in all (docs/performance-log.md, "Heavy
 * work and the stall budget").
 */
async function* csvRecords(parts: AsyncIterable<Buffer>): AsyncGenerator<Record<string, string>> {
  const parser = parse({ columns: (header: string[]) => header.map(normalizeHeader), bom: true, trim: true, skip_empty_lines: true, relax_column_count: true });
  let out: Record<string, string>[] = [];
  let failure: Error | null = null;
  parser.on('data', (r: Record<string, string>) => out.push(r));
  parser.on('error', (err: Error) => (failure = err));
  const ended = new Promise<void>((resolve) => parser.once('end', resolve).once('error', () => resolve()));
  const SLICE = 16 * 1024;
  for await (const bytes of parts) {
    for (let i = 0; i < bytes.length; i += SLICE) {
      // The slice is parsed in a turn of its own (src/jobs/yield.ts), not in the callback that read it.
      await heavyWorkTurn();
      parser.write(bytes.subarray(i, i + SLICE));
      if (failure) throw failure;
      const ready = out;
      out = [];
      yield* ready;
    }
  }
  parser.end();
  await ended;
  if (failure) throw failure;
  yield* out;
}

function observeRate(kind: ImportKind, phase: 'checked' | 'saved', rows: number, since: number) {
  importRows.inc({ kind, phase }, rows);
  const seconds = (performance.now() - since) / 1000;
  if (seconds > 0) importRowsPerSecond.set({ kind, phase }, Math.round(rows / seconds));
}

/** The rejection report as CSV rows (row number, column, problem): no cell values, so no PHI. */
export function rejectionReportRows(imp: ImportRow): string[][] {
  return [['row', 'column', 'problem'], ...imp.errors.map((e) => [String(e.row), safeCell(e.field), safeCell(e.problem)])];
}

/** Column names come from the uploaded header: keep a spreadsheet from reading one as a formula. */
function safeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

export function templateCsv(kind: ImportKind): string {
  const { required, optional } = IMPORT_COLUMNS[kind];
  return [...required, ...optional].join(',') + '\n';
}

// ---- validation ---------------------------------------------------------------------------

const IMPORTED_LANGUAGES = new Map<string, Language>([['', 'en'], ['en', 'en'], ['english', 'en'], ['es', 'es'], ['spanish', 'es'], ['español', 'es'], ['espanol', 'es']]);

/** "Preferred Language": English or Spanish, by name or code, any case; blank is English. */
function importedLanguage(cell: string | undefined): Language | null {
  return IMPORTED_LANGUAGES.get((cell ?? '').trim().toLowerCase()) ?? null;
}

type ValidationContext = { db: Database; practiceId: number; timeZone: string; now: Date };
type AcceptedRow = { existing: boolean; values: Record<string, unknown> };
type RowResult = { rejections: ImportRejection[]; accepted?: AcceptedRow };
type Validator = (ctx: ValidationContext, rows: { row: number; record: Record<string, string> }[], seen: Map<string, number>) => Promise<RowResult[]>;

const VALIDATORS: Record<ImportKind, Validator> = {
  async patients(ctx, rows, seen) {
    const accounts = [...new Set(rows.map((r) => r.record.account_number).filter(Boolean))];
    const known = new Set(
      accounts.length
        ? (await ctx.db.selectFrom('patients').select('account_number').where('practice_id', '=', ctx.practiceId).where('account_number', 'in', accounts).execute()).map((p) => p.account_number)
        : [],
    );
    return rows.map(({ row, record: r }) => {
      const rej: ImportRejection[] = [];
      const bad = (field: string, problem: string) => rej.push({ row, field, problem });
      const account = r.account_number ?? '';
      if (!account) bad('account_number', 'missing account number');
      else if (account.length > 40) bad('account_number', 'account number longer than 40 characters');
      else if (seen.has(account)) bad('account_number', `duplicate account number (also on row ${seen.get(account)})`);
      else seen.set(account, row);
      if (!r.first_name) bad('first_name', 'missing first name');
      if (!r.last_name) bad('last_name', 'missing last name');
      const dob = r.date_of_birth ? parseDateOfBirth(r.date_of_birth) : null;
      if (!r.date_of_birth) bad('date_of_birth', 'missing date of birth');
      else if (!dob) bad('date_of_birth', 'bad date (use YYYY-MM-DD or MM/DD/YYYY)');
      else if (dob > ctx.now.toISOString().slice(0, 10) || dob < '1900-01-01') bad('date_of_birth', 'date of birth out of range');
      const status = (r.status || 'active').toLowerCase();
      if (status !== 'active' && status !== 'inactive') bad('status', 'status must be active or inactive');
      const phone = normalizePhone(r.mobile_phone);
      if (r.mobile_phone && !phone) bad('mobile_phone', 'not a phone number');
      const email = normalizeEmail(r.email);
      if (r.email && !email) bad('email', 'not an email address');
      const delivery = (r.statement_delivery || 'mail').toLowerCase();
      if (delivery !== 'mail' && delivery !== 'electronic') bad('statement_delivery', 'statement delivery must be mail or electronic');
      const language = importedLanguage(r.preferred_language);
      if (!language) bad('preferred_language', 'preferred language must be English or Spanish (en or es)');
      for (const f of ['state', 'alt_state']) if (r[f] && !/^[A-Za-z]{2}$/.test(r[f])) bad(f, 'use the two-letter state code');
      for (const f of ['postal_code', 'alt_postal_code']) if (r[f] && !/^\d{5}(-?\d{4})?$/.test(r[f])) bad(f, 'not a ZIP code');
      if (rej.length) return { rejections: rej };
      const text = (f: string, max = 200) => (r[f] ? r[f].slice(0, max) : null);
      return {
        rejections: [],
        accepted: {
          existing: known.has(account),
          values: {
            account_number: account, first_name: r.first_name.slice(0, 100), last_name: r.last_name.slice(0, 100), date_of_birth: dob,
            status, mobile_phone: phone, email, statement_delivery: delivery, preferred_language: language,
            address_line1: text('address_line1'), address_line2: text('address_line2'), city: text('city', 100),
            state: r.state ? r.state.toUpperCase() : null, postal_code: text('postal_code', 10),
            alt_address_line1: text('alt_address_line1'), alt_address_line2: text('alt_address_line2'), alt_city: text('alt_city', 100),
            alt_state: r.alt_state ? r.alt_state.toUpperCase() : null, alt_postal_code: text('alt_postal_code', 10),
          },
        },
      };
    });
  },

  async ledger(ctx, rows, seen) {
    const patients = await patientsByAccount(ctx, rows);
    const existingRefs = await existingExternalRefs(ctx, 'ledger_entries', rows);
    return rows.map(({ row, record: r }) => {
      const rej: ImportRejection[] = [];
      const bad = (field: string, problem: string) => rej.push({ row, field, problem });
      const ref = checkExternalRef(r.external_ref, row, seen, bad);
      const patientId = checkAccount(r.account_number, patients, bad);
      const kind = ({ responsibility: 'responsibility', charge: 'responsibility', payment: 'payment', adjustment: 'adjustment' } as Record<string, string>)[(r.kind ?? '').toLowerCase()];
      if (!kind) bad('kind', 'kind must be responsibility, payment or adjustment');
      const cents = parseAmountToCents(r.amount);
      if (!r.amount) bad('amount', 'missing amount');
      else if (cents === null) bad('amount', 'not an amount (use dollars and cents, such as 100.00)');
      else if (cents < 0) bad('amount', 'negative amount (record payments and adjustments with their kind, as positive amounts)');
      else if (cents === 0) bad('amount', 'amount must be above zero');
      else if (cents > 10_000_000) bad('amount', 'amount above $100,000.00');
      const postedAt = parseInstant(r.posted_at, ctx.timeZone);
      if (!r.posted_at) bad('posted_at', 'missing date');
      else if (!postedAt) bad('posted_at', 'bad date (use YYYY-MM-DD or an ISO date and time)');
      else if (postedAt.getTime() > ctx.now.getTime()) bad('posted_at', 'date is in the future');
      if ((r.note ?? '').length > 500) bad('note', 'note longer than 500 characters');
      if ((r.case ?? '').length > 200) bad('case', 'case title longer than 200 characters');
      if (rej.length) return { rejections: rej };
      return {
        rejections: [],
        accepted: { existing: existingRefs.has(ref!), values: { external_ref: ref, patient_id: patientId, kind, amount_cents: cents, posted_at: postedAt, note: r.note || null, case: r.case || null } },
      };
    });
  },

  async appointments(ctx, rows, seen) {
    const patients = await patientsByAccount(ctx, rows);
    const existingRefs = await existingExternalRefs(ctx, 'appointments', rows);
    return rows.map(({ row, record: r }) => {
      const rej: ImportRejection[] = [];
      const bad = (field: string, problem: string) => rej.push({ row, field, problem });
      const ref = checkExternalRef(r.external_ref, row, seen, bad);
      const patientId = checkAccount(r.account_number, patients, bad);
      const startsAt = parseInstant(r.starts_at, ctx.timeZone, true);
      if (!r.starts_at) bad('starts_at', 'missing start time');
      else if (!startsAt) bad('starts_at', 'bad date and time (use YYYY-MM-DD HH:MM in the practice’s time zone, or ISO 8601)');
      if (!r.provider) bad('provider', 'missing provider');
      if (!r.location) bad('location', 'missing location');
      const status = (r.status || 'scheduled').toLowerCase().replace(/[\s-]/g, '_');
      if (!['scheduled', 'cancelled', 'completed', 'no_show'].includes(status)) bad('status', 'status must be scheduled, cancelled, completed or no_show');
      if (rej.length) return { rejections: rej };
      return {
        rejections: [],
        accepted: { existing: existingRefs.has(ref!), values: { external_ref: ref, patient_id: patientId, starts_at: startsAt, provider_name: r.provider.slice(0, 200), location: r.location.slice(0, 200), status } },
      };
    });
  },
};

function checkExternalRef(raw: string | undefined, row: number, seen: Map<string, number>, bad: (f: string, p: string) => void): string | null {
  const ref = raw ?? '';
  if (!ref) bad('external_ref', 'missing external reference');
  else if (ref.length > 100) bad('external_ref', 'external reference longer than 100 characters');
  else if (seen.has(ref)) bad('external_ref', `duplicate external reference (also on row ${seen.get(ref)})`);
  else {
    seen.set(ref, row);
    return ref;
  }
  return null;
}

function checkAccount(raw: string | undefined, patients: Map<string, number>, bad: (f: string, p: string) => void): number | null {
  if (!raw) {
    bad('account_number', 'missing account number');
    return null;
  }
  const id = patients.get(raw);
  if (id === undefined) bad('account_number', 'unknown account (import the patient first)');
  return id ?? null;
}

async function patientsByAccount(ctx: ValidationContext, rows: { record: Record<string, string> }[]): Promise<Map<string, number>> {
  const accounts = [...new Set(rows.map((r) => r.record.account_number).filter(Boolean))];
  if (!accounts.length) return new Map();
  const found = await ctx.db.selectFrom('patients').select(['id', 'account_number']).where('practice_id', '=', ctx.practiceId).where('account_number', 'in', accounts).execute();
  return new Map(found.map((p) => [p.account_number, p.id]));
}

async function existingExternalRefs(ctx: ValidationContext, table: 'ledger_entries' | 'appointments', rows: { record: Record<string, string> }[]): Promise<Set<string>> {
  const refs = [...new Set(rows.map((r) => r.record.external_ref).filter(Boolean))];
  if (!refs.length) return new Set();
  const found = await ctx.db.selectFrom(table).select('external_ref').where('practice_id', '=', ctx.practiceId).where('external_ref', 'in', refs).execute();
  return new Set(found.map((f) => f.external_ref!));
}

/**
 * 'YYYY-MM-DD' (noon in the practice's zone, for ledger dates), 'YYYY-MM-DD HH:MM' in the
 * practice's zone, or ISO 8601 with an offset. Null when it is none of these.
 */
export function parseInstant(raw: string | undefined, timeZone: string, needTime = false): Date | null {
  const text = (raw ?? '').trim();
  if (!text) return null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(text);
  if (!m || (needTime && m[4] === undefined)) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = m[4] === undefined ? 12 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  if (h > 23 || mi > 59) return null;
  const local = new TZDate(y, mo - 1, d, h, mi, 0, timeZone);
  if (local.getFullYear() !== y || local.getMonth() !== mo - 1 || local.getDate() !== d) return null;
  return new Date(local.getTime());
}

function headerProblems(kind: ImportKind, columns: string[]): ImportRejection[] {
  const { required, optional } = IMPORT_COLUMNS[kind];
  const problems: ImportRejection[] = [];
  for (const c of required) if (!columns.includes(c)) problems.push({ row: 1, field: c, problem: `missing column ${c}` });
  for (const c of columns) if (!required.includes(c) && !optional.includes(c)) problems.push({ row: 1, field: c, problem: `unknown column ${c || '(blank)'}` });
  return problems;
}

function normalizeHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

// ---- saving -------------------------------------------------------------------------------

type SaveContext = { practiceId: number; userId: number; now: Date };

/**
 * Inserts one batch of accepted rows and returns how many were new: a row whose account number or
 * external reference is present already (saved by an earlier attempt, or added meanwhile) is skipped.
 */
const SAVERS: Record<ImportKind, (trx: Database, ctx: SaveContext, rows: AcceptedRow[]) => Promise<number>> = {
  async patients(trx, ctx, rows) {
    const chunk = rows.map((r) => ({ ...(r.values as never as object), practice_id: ctx.practiceId, created_at: ctx.now, updated_at: ctx.now }));
    return (await trx.insertInto('patients').values(chunk as never).onConflict((oc) => oc.columns(['practice_id', 'account_number']).doNothing()).returning('id').execute()).length;
  },
  async ledger(trx, ctx, rows) {
    const caseIds = await casesFor(trx, ctx, rows);
    {
      const chunk = rows.map(({ values: v }) => ({
        practice_id: ctx.practiceId,
        patient_id: v.patient_id as number,
        case_id: caseIds.get(`${v.patient_id}\u0000${v.case ?? ''}`)!,
        kind: v.kind as 'responsibility',
        amount_cents: v.amount_cents as number,
        posted_at: v.posted_at as Date,
        external_ref: v.external_ref as string,
        note: v.note as string | null,
        source: 'import',
        created_by_user_id: ctx.userId,
        created_at: ctx.now,
      }));
      return (await trx.insertInto('ledger_entries').values(chunk).onConflict((oc) => oc.columns(['practice_id', 'external_ref']).doNothing()).returning('id').execute()).length;
    }
  },
  async appointments(trx, ctx, rows) {
    {
      const chunk = rows.map(({ values: v }) => ({
        practice_id: ctx.practiceId,
        patient_id: v.patient_id as number,
        starts_at: v.starts_at as Date,
        provider_name: v.provider_name as string,
        location: v.location as string,
        status: v.status as 'scheduled',
        external_ref: v.external_ref as string,
        created_at: ctx.now,
        updated_at: ctx.now,
      }));
      return (await trx.insertInto('appointments').values(chunk).onConflict((oc) => oc.columns(['practice_id', 'external_ref']).doNothing()).returning('id').execute()).length;
    }
  },
};

/**
 * The case each ledger row posts to: the patient's case with that title, else a new one with it;
 * with no title, the patient's latest case, else a new "General" case.
 */
async function casesFor(trx: Database, ctx: SaveContext, rows: AcceptedRow[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const patientIds = [...new Set(rows.map((r) => r.values.patient_id as number))];
  const existing = patientIds.length
    ? await trx.selectFrom('cases').select(['id', 'patient_id', 'title']).where('practice_id', '=', ctx.practiceId).where('patient_id', 'in', patientIds).orderBy('opened_on', 'asc').orderBy('id', 'asc').execute()
    : [];
  for (const c of existing) {
    out.set(`${c.patient_id}\u0000${c.title.toLowerCase()}`, c.id);
    out.set(`${c.patient_id}\u0000`, c.id); // the latest wins: ordered oldest first
  }
  const result = new Map<string, number>();
  for (const r of rows) {
    const title = (r.values.case as string | null) ?? '';
    const key = `${r.values.patient_id}\u0000${title}`;
    if (result.has(key)) continue;
    let id = out.get(`${r.values.patient_id}\u0000${title.toLowerCase()}`);
    if (id === undefined) {
      const opened = (r.values.posted_at as Date).toISOString().slice(0, 10);
      const created = await trx
        .insertInto('cases')
        .values({ practice_id: ctx.practiceId, patient_id: r.values.patient_id as number, title: title || 'General', opened_on: opened, created_at: ctx.now })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = created.id;
      out.set(`${r.values.patient_id}\u0000${title.toLowerCase()}`, id);
      if (!out.has(`${r.values.patient_id}\u0000`)) out.set(`${r.values.patient_id}\u0000`, id);
    }
    result.set(key, id);
  }
  return result;
}

async function finish(db: Database, clock: Clock, id: number, changes: { status: ImportStatus; processed_rows?: number; rejected_rows?: number; errors: ImportRejection[] }) {
  await db
    .updateTable('imports')
    .set({ ...changes, errors: JSON.stringify(changes.errors), finished_at: clock.now(), updated_at: clock.now(), leased_by: null, lease_until: null })
    .where('id', '=', id)
    .execute();
}
