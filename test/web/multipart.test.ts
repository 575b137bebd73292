import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, TEST_ORIGIN, type Client, type TestContext } from '../support/context.ts';
import { assembleFile, fileBytes, parseMultipart } from '../../src/web/multipart.ts';

let t: TestContext;
let admin: Client;

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.as('admin@riverside.example');
});
afterAll(async () => {
  await t.close();
});

/** A multipart body as a browser would send it, in 64 KB chunks that are all already there. */
async function encoded(form: FormData): Promise<{ chunks: Uint8Array[]; type: string }> {
  const req = new Request('http://x/', { method: 'POST', body: form });
  const bytes = new Uint8Array(await req.arrayBuffer());
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 65_536) chunks.push(bytes.subarray(at, at + 65_536));
  return { chunks, type: req.headers.get('content-type')! };
}

const streamOf = (chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({ start(controller) { for (const c of chunks) controller.enqueue(c); controller.close(); } });

describe('multipart forms read as they arrive', () => {
  it('gives every field and file in the order sent, a field over 1 MB whole, a UTF-8 file name intact', async () => {
    const long = 'x'.repeat(1_500_000);
    const form = new FormData();
    form.append('note', long);
    form.append('files', new File(['first'], 'relevé-été.csv', { type: 'text/csv' }));
    form.append('files', new File([new Uint8Array(300_000).fill(7)], 'second.bin', { type: 'application/octet-stream' }));
    form.append('files', new File([], '', { type: 'application/octet-stream' }));
    form.append('after', 'last');
    const { chunks, type } = await encoded(form);
    const parsed = await parseMultipart(streamOf(chunks), type);
    expect([...parsed.keys()]).toEqual(['note', 'files', 'files', 'files', 'after']);
    expect((parsed.get('note') as string).length).toBe(long.length);
    const files = parsed.getAll('files') as File[];
    expect(files.map((f) => [f.name, f.size, f.type])).toEqual([
      ['relevé-été.csv', 5, 'text/csv'],
      ['second.bin', 300_000, 'application/octet-stream'],
      ['', 0, 'application/octet-stream'],
    ]);
    expect(await files[0]!.text()).toBe('first');
    expect(new Uint8Array(await files[1]!.arrayBuffer()).every((b) => b === 7)).toBe(true);
    expect(parsed.get('after')).toBe('last');
    // The handler gets the bytes as received, not read back out of the File.
    const bytes = await fileBytes(files[1]!);
    expect(bytes.length).toBe(300_000);
    expect(await fileBytes(files[1]!)).toBe(bytes);
    expect((await fileBytes(new File(['elsewhere'], 'x.txt'))).toString()).toBe('elsewhere');
  });

  it('lets other work run while a large body is parsed, even when all of it has already arrived', async () => {
    const form = new FormData();
    form.append('file', new File([new Uint8Array(8 * 1024 * 1024).fill(65)], 'big.csv', { type: 'text/csv' }));
    const { chunks, type } = await encoded(form);
    let turns = 0;
    let running = true;
    const tick = () => { turns++; if (running) setImmediate(tick); };
    setImmediate(tick);
    const parsed = await parseMultipart(streamOf(chunks), type);
    running = false;
    expect((parsed.get('file') as File).size).toBe(8 * 1024 * 1024);
    // One turn at least every 256 KB: 32 for 8 MB (undici's parser gives none).
    expect(turns).toBeGreaterThanOrEqual(24);
  });

  it('puts a received file together a megabyte per turn, as one Buffer and a File with the same bytes', async () => {
    // 8 MB in the 64 KB chunks a request arrives in, each chunk's bytes telling where it came from.
    const chunks = Array.from({ length: 128 }, (_, i) => new Uint8Array(65_536).fill(i));
    let turns = 0;
    let running = true;
    const tick = () => { turns++; if (running) setImmediate(tick); };
    setImmediate(tick);
    const file = await assembleFile(chunks, 'big.csv', 'text/csv');
    running = false;
    // 8 turns copying into the Buffer and 8 making the File's parts; all in one turn before.
    expect(turns).toBeGreaterThanOrEqual(14);
    expect([file.name, file.type, file.size]).toEqual(['big.csv', 'text/csv', 8 * 1024 * 1024]);
    const bytes = await fileBytes(file);
    const read = new Uint8Array(await file.arrayBuffer());
    for (const at of [0, 65_535, 65_536, 1_048_575, 1_048_576, 5_000_000, 8 * 1024 * 1024 - 1]) {
      expect(bytes[at]).toBe(Math.floor(at / 65_536));
      expect(read[at]).toBe(Math.floor(at / 65_536));
    }
    expect(Buffer.compare(bytes, Buffer.from(read))).toBe(0);
    const empty = await assembleFile([], 'empty.csv', 'text/csv');
    expect(empty.size).toBe(0);
    expect((await fileBytes(empty)).length).toBe(0);
  });

  it('refuses a body cut short with 400 and starts nothing', async () => {
    const before = await t.db.selectFrom('imports').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const form = new FormData();
    form.append('_csrf', admin.csrf!);
    form.append('kind', 'patients');
    form.append('file', new File(['account_number,first_name\nA-1,Ann\n'], 'cut.csv', { type: 'text/csv' }));
    const { chunks, type } = await encoded(form);
    const whole = Buffer.concat(chunks);
    const res = await t.app.request(`${TEST_ORIGIN}/patients/import`, {
      method: 'POST',
      headers: { Origin: TEST_ORIGIN, Cookie: admin.cookie!, 'Content-Type': type },
      body: whole.subarray(0, whole.length - 40),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/could not be read/);
    const after = await t.db.selectFrom('imports').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});
