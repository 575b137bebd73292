import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';

const gzipAsync = promisify(gzip);

/** Responses read whole and gzipped in one call: rendered pages and fragments, static files. */
const WHOLE_BODY = /^\s*(?:text\/html|text\/css|text\/javascript|application\/javascript|application\/json|image\/svg\+xml)(?:[;\s]|$)/i;
/** Smaller bodies go out as they are (Hono's compress middleware uses the same threshold). */
const THRESHOLD = 1024;
/** Larger bodies are compressed on libuv's thread pool rather than in this turn of the event loop. */
const IN_THREAD_MAX = 1024 * 1024;
const ACCEPTS_GZIP = /(?:^|,)\s*(?:gzip|\*)\s*(?:;\s*q=(?!0(?:\.0*)?\s*(?:,|$))[\d.]+\s*)?(?:,|$)/i;

/**
 * gzip for every compressible response. Hono's compress middleware pipes each body through a web
 * CompressionStream, whose stream machinery costs more than the compression: 0.66 ms of CPU for a
 * 12 KB page and 0.81 ms for 52 KB, against 0.36 and 0.39 ms read whole and compressed by zlib in
 * one call (`npx tsx bench/compress.ts`); and every browser asks for gzip. So pages, fragments and
 * static files are read whole and compressed in one call (on libuv's thread pool above 1 MB, where
 * one call would hold the event loop for milliseconds). Streamed bodies (the CSV reports, read page
 * by page) keep Hono's streaming compression; event streams and binary types are not compressed.
 */
export function compressResponses(): MiddlewareHandler {
  const streaming = compress();
  return async (c, next) => {
    await next();
    const res = c.res;
    if (!WHOLE_BODY.test(res.headers.get('Content-Type') ?? '')) {
      // Hono's middleware, on the response already made.
      await streaming(c, async () => {});
      return;
    }
    // Everything up to the gzip itself is decided from the status and headers, without touching the
    // body: reading `res.body` (or `bodyUsed`) makes @hono/node-server build a full web Response and
    // write it out through a ReadableStream, where a string body would have been written directly.
    if (c.req.method === 'HEAD' || res.status === 204 || res.status === 206 || res.status === 304) return;
    if (res.headers.has('Content-Encoding') || /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(res.headers.get('Cache-Control') ?? '')) return;
    const vary = res.headers.get('Vary');
    if (vary !== '*' && !/(?:^|,)\s*accept-encoding\s*(?:,|$)/i.test(vary ?? '')) res.headers.set('Vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    if (!ACCEPTS_GZIP.test(c.req.header('Accept-Encoding') ?? '')) return;
    const body = Buffer.from(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    if (body.length < THRESHOLD) {
      replaceResponse(c, new Response(body, { status: res.status, headers }));
      return;
    }
    const zipped = body.length > IN_THREAD_MAX ? await gzipAsync(body) : gzipSync(body);
    headers.set('Content-Encoding', 'gzip');
    headers.set('Content-Length', String(zipped.length));
    const etag = headers.get('ETag');
    if (etag && !etag.startsWith('W/')) headers.set('ETag', `W/${etag}`);
    replaceResponse(c, new Response(zipped, { status: res.status, headers }));
  };
}

/**
 * Sets the response, whose headers are already complete. Assigning `c.res` over an existing response
 * makes Hono rebuild the new one around its `body` stream to merge the old one's headers into it,
 * which would send even the compressed bytes through a stream; clearing it first skips that merge.
 */
function replaceResponse(c: Context, res: Response) {
  c.res = undefined as unknown as Response;
  c.res = res;
}
