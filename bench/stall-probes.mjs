// The stall bench's clients, in a thread of their own: /healthz every 20 ms, and a signed-in page by
// 4 clients back to back. The bench's main thread meanwhile sends the 9 MB upload and reads the
// reports and the print batch; a probe timed on that thread would also count the bench's own turns
// (a FormData body encoded, 100,000 report rows split) as the app's.
import { parentPort, workerData } from 'node:worker_threads';

const { origin, cookie } = workerData;
let stop = false;
const health = [];
const page = [];
parentPort.once('message', () => (stop = true));

const healthProbe = (async () => {
  while (!stop) {
    const t = performance.now();
    await fetch(`${origin}/healthz`).then((r) => r.arrayBuffer());
    health.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
})();
const pageProbes = Array.from({ length: 4 }, async () => {
  while (!stop) {
    const t = performance.now();
    await fetch(`${origin}/dashboard`, { headers: { cookie } }).then((r) => r.arrayBuffer());
    page.push(performance.now() - t);
  }
});
await Promise.all([healthProbe, ...pageProbes]);
parentPort.postMessage({ health, page });
