// npx tsx bench/compress.ts: CPU per response of the compression middleware, Hono's (a web
// CompressionStream) against src/web/compress.ts (zlib in one call), on pages shaped like the
// console's queue (rows of links, badges and times): 40 rows ≈ 12 KB, 170 rows ≈ 52 KB, 600 ≈ 180 KB.
// Five interleaved rounds of 200 requests each through app.request; the median round is printed.
import { Hono, type MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { compressResponses } from '../src/web/compress.ts';

const row = (i: number) =>
  `<tr data-id="${1000 + i}"><td><a href="/vendor/threads/${1000 + i}">Claim denied after update #${(i * 37) % 9973}</a><span class="meta">#${1000 + i}</span></td>` +
  `<td>Bench Practice ${(i * 7) % 1000}</td><td><span class="badge status-waiting">Waiting on StrataPT</span></td>` +
  `<td><time datetime="2026-12-0${(i % 9) + 1}T10:00:00Z">${(i % 5) + 1} days ago</time></td><td>${i % 3 ? 'Unassigned' : 'Bench Success'}</td></tr>`;
const page = (rows: number) => `<!doctype html><html><head><title>Queue</title></head><body><table>${Array.from({ length: rows }, (_, i) => row(i)).join('')}</table></body></html>`;

const variants: [string, MiddlewareHandler | null][] = [
  ['no compression', null],
  ["Hono's compress (CompressionStream)", compress()],
  ['compressResponses (zlib)', compressResponses()],
];
for (const rows of [40, 170, 600]) {
  const html = page(rows);
  const cpu = new Map<string, number[]>();
  let sizes = new Map<string, number>();
  for (let round = 0; round < 5; round++) {
    for (const [label, middleware] of variants) {
      const app = new Hono();
      if (middleware) app.use(middleware);
      app.get('/', (c) => c.html(html));
      const once = async () => (await (await app.request('http://bench/', { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer()).byteLength;
      for (let i = 0; i < 50; i++) await once();
      const start = process.cpuUsage();
      for (let i = 0; i < 200; i++) sizes.set(label, await once());
      const used = process.cpuUsage(start);
      cpu.set(label, [...(cpu.get(label) ?? []), (used.user + used.system) / 1000 / 200]);
    }
  }
  for (const [label, runs] of cpu) {
    console.log(`${(html.length / 1024).toFixed(0)} KB page, ${label}: ${(sizes.get(label)! / 1024).toFixed(1)} KB sent, ${runs.sort((a, b) => a - b)[2].toFixed(3)} ms CPU per response (median of 5 rounds)`);
  }
  sizes = new Map();
}
