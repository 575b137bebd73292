// When the requests of an "open loop" arrive, second by second: autocannon's overallRate against
// bench/open-loop.ts, both offering 200 a second over 50 connections for 5 s to a local server that
// answers after 5 ms and notes each arrival. Prints the arrivals in each tenth of a second, summed over
// the run. Usage: npx tsx bench/arrivals.ts
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { openLoop } from './open-loop.ts';

const arrivals: number[] = [];
const server = http.createServer((_req, res) => {
  arrivals.push(performance.now());
  setTimeout(() => res.end('ok'), 5);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

async function tenths(name: string, run: () => Promise<unknown>) {
  await new Promise((r) => setTimeout(r, 500)); // the last run's stragglers
  arrivals.length = 0;
  const t0 = performance.now();
  await run();
  const slots = new Array(10).fill(0);
  for (const a of arrivals) slots[Math.floor(((a - t0) % 1000) / 100)]++;
  console.log(`${name}: ${arrivals.length} requests; arrivals in each tenth of a second: ${slots.join(' ')}`);
}

await tenths('autocannon, overallRate 200, 50 connections, 5 s', () => autocannon({ url, connections: 50, duration: 5, overallRate: 200 }));
await tenths('bench/open-loop.ts, 200 a second, at most 50 connections, 5 s', () => openLoop(url, {}, { rate: 200, durationSeconds: 5, connections: 50 }));
server.close();
