// The stall budget on the embedded database (issue 16: /healthz within 300 ms on PGlite), as a
// newcomer's demo feels it: starts the app (`src/server.ts`, PGlite in a fresh temporary data
// directory, demo data), signs in as Riverside's administrator, uploads a patient file of N rows
// through the form and polls /healthz every 50 ms from this process until the import has committed.
// Usage: npx tsx bench/demo-stall.ts [rows, default 120000]
// On PostgreSQL instead: an empty database, and the app's settings for it, e.g.
//   createdb -h 127.0.0.1 -U postgres strata_demo_stall && DATABASE_URL=postgres://postgres@127.0.0.1:5432/strata_demo_stall \
//   APP_SECRET=<32+ characters> DEMO=true npx tsx bench/demo-stall.ts 330000   (19.8 MB: the largest upload, 20 MB)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
const N = Number(process.argv[2] ?? 120000);
const port = 3999;
const o = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'strata-demo-stall-'));
const app = spawn('npx', ['tsx', 'src/server.ts'], { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; ; i++) { try { if ((await fetch(`${o}/healthz`)).ok) break; } catch {} await sleep(250); if (i > 400) throw new Error('no start'); }
await sleep(3000);
const login = await fetch(`${o}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: o }, body: new URLSearchParams({ email: 'admin@riverside.example', password: 'strata-demo-1' }) });
const cookie = (login.headers.getSetCookie()).map((c) => c.split(';')[0]).join('; ');
const page = await (await fetch(`${o}/patients/import`, { headers: { cookie } })).text();
const csrf = page.match(/name="_csrf" value="([^"]+)"/)?.[1];
if (!csrf) throw new Error('no csrf ' + login.status);
const rows = ['Account Number,First Name,Last Name,Date of Birth,Mobile Phone,Email,Statement Delivery'];
for (let i = 0; i < N; i++) rows.push(`DEMO-${i},Pat${i},Stall,1980-01-${String(1 + (i % 28)).padStart(2, '0')},,p${i}@example.org,`);
const csv = rows.join('\n') + '\n';
const lat: { at: number; ms: number }[] = [];
let stop = false;
const t0 = performance.now();
const probe = (async () => { while (!stop) { const s = performance.now(); await fetch(`${o}/healthz`).then((r) => r.arrayBuffer()); lat.push({ at: s - t0, ms: performance.now() - s }); await sleep(50); } })();
await sleep(500);
const form = new FormData();
form.set('_csrf', csrf); form.set('kind', 'patients'); form.set('file', new File([csv], 'stall.csv', { type: 'text/csv' }));
const up0 = performance.now();
const res = await fetch(`${o}/patients/import`, { method: 'POST', body: form, redirect: 'manual', headers: { cookie, origin: o } });
const upMs = performance.now() - up0;
const loc = res.headers.get('location')!;
let final = '';
for (;;) { const t = await (await fetch(`${o}${loc}`, { headers: { cookie } })).text(); const m = t.match(/([\d,]+) rows? added|rows were rejected|could not be|failed/); if (m && !/rows checked|rows saved \(/.test(t)) { final = m[0]; break; } await sleep(200); }
console.log('final:', final);
const total = performance.now() - up0;
stop = true; await probe;
const ms = lat.map((l) => l.ms).sort((a, b) => a - b);
const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(0);
console.log(`rows ${N}, bytes ${Buffer.byteLength(csv)}, upload answered ${res.status} in ${upMs.toFixed(0)} ms, committed after ${(total / 1000).toFixed(1)} s`);
console.log(`healthz n=${ms.length} p50 ${q(0.5)} p99 ${q(0.99)} max ${ms.at(-1)!.toFixed(0)} ms; worst at +${lat.reduce((a, b) => (b.ms > a.ms ? b : a)).at.toFixed(0)} ms (upload sent at +${(up0 - t0).toFixed(0)})`);
console.log('top5', lat.sort((a, b) => b.ms - a.ms).slice(0, 5).map((l) => `${l.ms.toFixed(0)}@${l.at.toFixed(0)}`).join(' '));
process.kill(-app.pid!, 'SIGTERM');
await new Promise((r) => app.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
