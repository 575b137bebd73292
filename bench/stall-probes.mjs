// The stall bench's clients, each kind in a thread of its own: /healthz every 20 ms (workerData.probe
// 'health'), or a signed-in page by 4 clients back to back ('page'). The bench's main thread meanwhile
// sends the 9 MB upload and reads the reports and the print batch; a probe timed on that thread would
// also count the bench's own turns (a FormData body encoded, 100,000 report rows split) as the app's,
// and /healthz timed beside the page clients would count their responses' parsing.
import { readlinkSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { origin, cookie, probe, cgroupTasks } = workerData;
// The health probe's thread in a CPU group of its own (bench/cpu-groups.ts), when the bench set them up.
if (cgroupTasks) writeFileSync(cgroupTasks, readlinkSync('/proc/thread-self').split('/').pop());
let stop = false;
const times = [];
parentPort.once('message', () => (stop = true));

if (probe === 'health') {
  while (!stop) {
    const t = performance.now();
    await fetch(`${origin}/healthz`).then((r) => r.arrayBuffer());
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
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
parentPort.postMessage(times);
