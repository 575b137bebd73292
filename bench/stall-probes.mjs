// The stall bench's clients, each kind in a thread of its own: /healthz every 20 ms (workerData.probe
// 'health'), or a signed-in page ('page'): by 4 clients back to back (the app's thread kept busy), or,
// with workerData.pageRate, one request every 1/pageRate s whether or not the earlier ones have been
// answered (open loop: staff clicking, a rate the heavy work does not slow down). The bench's main thread meanwhile
// sends the 9 MB upload and reads the reports and the print batch; a probe timed on that thread would
// also count the bench's own turns (a FormData body encoded, 100,000 report rows split) as the app's,
// and /healthz timed beside the page clients would count their responses' parsing.
import { readlinkSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { origin, cookie, probe, cgroupTasks, pageRate } = workerData;
// The health probe's thread in a CPU group of its own (bench/cpu-groups.ts), when the bench set them up.
if (cgroupTasks) writeFileSync(cgroupTasks, readlinkSync('/proc/thread-self').split('/').pop());
let stop = false;
const times = [];
/** For the health probe: when each check was sent (ms since the epoch), to place its worst answer in the run. */
const sentAt = [];
parentPort.once('message', () => (stop = true));

// One request first, not counted: a new thread's first fetch loads and compiles undici (tens of ms of
// the probe's own), which is not the app's answer time. The bench starts the heavy work after it.
await fetch(`${origin}/${probe === 'health' ? 'healthz' : 'dashboard'}`, { headers: { cookie } }).then((r) => r.arrayBuffer());
parentPort.postMessage('ready');

if (probe === 'health') {
  while (!stop) {
    const t = performance.now();
    sentAt.push(Date.now());
    await fetch(`${origin}/healthz`).then((r) => r.arrayBuffer());
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
} else if (pageRate) {
  const pending = new Set();
  const every = 1000 / pageRate;
  const t0 = performance.now();
  for (let n = 1; !stop; n++) {
    const t = t0 + (n - 1) * every; // timed from when it was due, as bench/open-loop.ts does
    const p = fetch(`${origin}/dashboard`, { headers: { cookie } })
      .then((r) => r.arrayBuffer())
      .then(() => times.push(performance.now() - t))
      .finally(() => pending.delete(p));
    pending.add(p);
    // The n-th request's time on the schedule, not after the last one: a late turn does not thin the load.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + n * every - performance.now())));
  }
  await Promise.allSettled(pending);
} else {
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!stop) {
        const t = performance.now();
        await fetch(`${origin}/dashboard`, { headers: { cookie } }).then((r) => r.arrayBuffer());
        times.push(performance.now() - t);
      }
    }),
  );
}
parentPort.postMessage({ times, sentAt });
