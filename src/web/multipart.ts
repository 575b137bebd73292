import { Busboy } from '@fastify/busboy';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { yieldToEventLoop } from '../jobs/yield.ts';

/** Input parsed between two turns of the event loop: a few milliseconds of work at most. */
const YIELD_EVERY_BYTES = 256 * 1024;

/**
 * Reads a multipart/form-data body as it arrives and leaves the result where Hono's `parseBody`
 * looks first, so the CSRF check and the route handlers read the same form without parsing again.
 *
 * Hono's own path hands the whole body to undici's `Response.formData()`, which parses it in one
 * turn: for a 9.4 MB import that turn was the longest the event loop stalled while the stall bench
 * ran (about 220 ms; docs/performance-log.md, "Heavy work and the stall budget"). Here the parser is fed chunk by chunk
 * and lets other requests in every 256 KB.
 *
 * A body that is not well-formed multipart answers 400. The size limit is the body-limit
 * middleware's, which runs first.
 */
export async function readMultipartForm(c: Context): Promise<void> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^multipart\/form-data\b/i.test(type) || !c.req.raw.body) return;
  let form: FormData;
  try {
    form = await parseMultipart(c.req.raw.body, type);
  } catch (err) {
    throw new HTTPException(400, { message: 'The form could not be read. Reload the page and try again.', cause: err });
  }
  (c.req.bodyCache as { formData?: Promise<FormData> }).formData = Promise.resolve(form);
}

/** Each parsed file's bytes as received, so a handler need not read them back out of the File. */
const receivedBytes = new WeakMap<File, Buffer>();

/**
 * An uploaded file's bytes. A File from parseMultipart gives the bytes it was made from: reading a
 * large File back through its stream (Blob reads, then a copy into one Buffer) was the largest part
 * of the 120,000-row upload's longest turn on the embedded database (docs/performance-log.md, "Heavy work
 * and the stall budget"). Any other File is read through its stream, which is how Node reads it
 * fastest (`arrayBuffer()` took 33–65 ms for 11 MB in one turn, the stream 8–9 ms).
 */
export async function fileBytes(file: File): Promise<Buffer> {
  const received = receivedBytes.get(file);
  if (received) return received;
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream() as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

export async function parseMultipart(body: ReadableStream<Uint8Array>, contentType: string): Promise<FormData> {
  const form = new FormData();
  // Fields and files as they come; values as large as the body may be, never silently cut.
  const parser = Busboy({ headers: { 'content-type': contentType }, defCharset: 'utf8', limits: { fieldSize: Infinity } });
  let failure: unknown = null;
  const files: Promise<void>[] = [];
  const entries: Array<() => void> = [];
  parser.on('field', (name, value) => entries.push(() => form.append(name, value)));
  parser.on('file', (name, stream, filename, _encoding, mimeType) => {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    let entry!: () => void;
    entries.push(() => entry());
    stream.on('data', (chunk: Uint8Array<ArrayBuffer>) => chunks.push(chunk));
    files.push(new Promise<void>((resolve, reject) => {
      stream.on('end', () => {
        assembleFile(chunks, utf8Filename(filename ?? ''), mimeType).then((file) => {
          entry = () => form.append(name, file);
          resolve();
        }, reject);
      });
      stream.on('error', reject);
    }));
    files[files.length - 1]!.catch(() => {}); // a cut body fails the parser too, and that failure is the one reported
  });
  const finished = new Promise<void>((resolve, reject) => {
    parser.on('finish', resolve);
    parser.on('error', (err) => { failure = err; reject(err); });
  });
  finished.catch(() => {});

  let sinceYield = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    if (failure) break;
    parser.write(chunk);
    sinceYield += chunk.byteLength;
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  if (failure) throw failure;
  parser.end();
  await finished;
  await Promise.all(files);
  // In the order the parts came, as the browser sent them.
  for (const add of entries) add();
  return form;
}

/** Bytes copied between two turns of the event loop while a received file is put together. */
const COPY_PER_TURN = 1024 * 1024;

/**
 * A received file's chunks as one Buffer (what fileBytes gives the handler) and as a File. Both are
 * copies (a Blob copies what it is made from), and for a 9.4 MB import the two copies in one turn
 * were 60 ms of the thread in the full-scale stall bench (docs/performance-log.md, "Heavy work and the stall budget"):
 * here a megabyte is copied per turn, and the File is made of one Blob per megabyte, which it holds
 * without copying them again.
 */
export async function assembleFile(chunks: Uint8Array[], name: string, type: string): Promise<File> {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const bytes = Buffer.allocUnsafe(total);
  let offset = 0;
  let sinceYield = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
    sinceYield += chunk.byteLength;
    if (sinceYield >= COPY_PER_TURN) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  const parts: Blob[] = [];
  for (let at = 0; at < total; at += COPY_PER_TURN) {
    parts.push(new Blob([bytes.subarray(at, at + COPY_PER_TURN)]));
    await yieldToEventLoop();
  }
  const file = new File(parts, name, { type });
  receivedBytes.set(file, bytes);
  return file;
}

/**
 * Browsers send a file name's UTF-8 bytes as they are; the parser reads header bytes as Latin-1.
 * Read them again as UTF-8 when they are valid UTF-8 (an ASCII name is unchanged either way).
 */
function utf8Filename(name: string): string {
  if (!/[\u0080-\u00ff]/.test(name)) return name;
  const bytes = Buffer.from(name, 'latin1');
  const decoded = bytes.toString('utf8');
  return Buffer.from(decoded, 'utf8').equals(bytes) ? decoded : name;
}
