import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { compressResponses } from '../../src/web/compress.ts';
import { createTestContext, TEST_ORIGIN, type Client, type TestContext } from '../support/context.ts';

// Compression (src/web/compress.ts): pages, fragments and static files are gzipped whole by zlib;
// streamed bodies keep Hono's streaming compression; nothing is compressed that the client did not
// ask for, and the bytes decode to what an uncompressed request gets.

let t: TestContext;
let admin: Client;
beforeAll(async () => {
  t = await createTestContext();
  admin = await t.as('admin@riverside.example');
});
afterAll(() => t.close());

async function raw(path: string, headers: Record<string, string>, method = 'GET') {
  const res = await t.app.request(`${TEST_ORIGIN}${path}`, { method, headers: { Cookie: admin.cookie!, ...headers } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The page without its per-request parts: the masked CSRF tokens. */
const stable = (html: string) => html.replace(/(name="_csrf" value=)"[^"]*"/g, '$1""').replace(/(X-CSRF-Token&quot;:&quot;)[\w-]+/g, '$1');

describe('compression', () => {
  it('a page is gzipped whole when asked, with its length, and decodes to the uncompressed page', async () => {
    const plain = await raw('/dashboard', {});
    expect(plain.res.status).toBe(200);
    expect(plain.res.headers.get('content-encoding')).toBeNull();
    expect(plain.res.headers.get('vary')).toMatch(/Accept-Encoding/);
    const zipped = await raw('/dashboard', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(zipped.res.status).toBe(200);
    expect(zipped.res.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(zipped.res.headers.get('vary')).toMatch(/Accept-Encoding/);
    expect(Number(zipped.res.headers.get('content-length'))).toBe(zipped.bytes.length);
    expect(zipped.bytes.length).toBeLessThan(plain.bytes.length / 2);
    expect(stable(gunzipSync(zipped.bytes).toString())).toBe(stable(plain.bytes.toString()));
  });

  it('not when gzip is refused (q=0) or the client asks for nothing; not for a HEAD request', async () => {
    for (const accept of ['gzip;q=0', 'identity', 'br']) {
      const r = await raw('/dashboard', { 'Accept-Encoding': accept });
      expect(r.res.headers.get('content-encoding'), accept).toBeNull();
      expect(r.bytes.toString()).toContain('</html>');
    }
    const head = await raw('/dashboard', { 'Accept-Encoding': 'gzip' }, 'HEAD');
    expect(head.res.headers.get('content-encoding')).toBeNull();
    expect(head.bytes.length).toBe(0);
  });

  it('not below 1 KB: the health check goes out as it is', async () => {
    const r = await raw('/healthz', { 'Accept-Encoding': 'gzip' });
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get('content-encoding')).toBeNull();
    expect(r.bytes.length).toBeLessThan(1024);
    expect(() => JSON.parse(r.bytes.toString())).not.toThrow();
  });

  it('a static file is gzipped with its caching kept, and decodes to the file', async () => {
    const r = await raw('/static/app.css', { 'Accept-Encoding': 'gzip' });
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get('content-encoding')).toBe('gzip');
    expect(r.res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(gunzipSync(r.bytes).toString()).toBe(readFileSync('static/app.css', 'utf8'));
  });

  it('a streamed CSV report is compressed as a stream and decodes to the same report', async () => {
    const plain = await raw('/reports/patient-email.csv?status=all', {});
    const zipped = await raw('/reports/patient-email.csv?status=all', { 'Accept-Encoding': 'gzip' });
    expect(zipped.res.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.res.headers.get('content-length')).toBeNull();
    expect(gunzipSync(zipped.bytes).toString()).toBe(plain.bytes.toString());
    expect(plain.bytes.toString()).toMatch(/^First Name,Last Name,Email/);
  });

  it('a body over 1 MB (compressed off the event loop) decodes to the same bytes', async () => {
    const app = new Hono();
    app.use(compressResponses());
    const page = `<!doctype html><ul>${Array.from({ length: 40_000 }, (_, i) => `<li>row ${i} of a long page</li>`).join('')}</ul>`;
    expect(page.length).toBeGreaterThan(1024 * 1024);
    app.get('/', (c) => c.html(page));
    const res = await app.request('http://x/', { headers: { 'Accept-Encoding': 'gzip' } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    expect(gunzipSync(bytes).toString()).toBe(page);
  });

  it('a page leaves as @hono/node-server writes a body it holds: no web stream, plain or gzipped', async () => {
    // @hono/node-server's Response keeps a string or byte body (its own-symbol "cache") and writes it in one
    // call; once anything reads `body` or `bodyUsed` it builds a full web Response and streams it out, which
    // cost every page about 0.1 ms of CPU more (docs/performance-log.md, "Per request: where the CPU goes").
    const held: boolean[] = [];
    const app = new Hono();
    app.use(async (c, next) => {
      await next();
      held.push(Object.getOwnPropertySymbols(c.res).some((s) => s.description === 'cache'));
    });
    app.use(compressResponses());
    app.use(async (c, next) => {
      await next();
      if (!c.res.headers.has('Referrer-Policy')) c.res.headers.set('Referrer-Policy', 'same-origin');
    });
    const page = `<!doctype html><p>${'a row of the page '.repeat(200)}</p>`;
    app.get('/', (c) => c.html(page));
    const server = createServer(getRequestListener(app.fetch));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const plain = await fetch(url);
      expect(await plain.text()).toBe(page);
      expect(plain.headers.get('vary')).toBe('Accept-Encoding');
      expect(plain.headers.get('referrer-policy')).toBe('same-origin');
      const zipped = await fetch(url, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(zipped.headers.get('referrer-policy')).toBe('same-origin');
      expect(await zipped.text()).toBe(page); // fetch decodes it
      expect(held).toEqual([true, true]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
