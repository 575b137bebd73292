// An open loop for the page benchmarks' "p95 at an offered rate" targets: request k is due at
// t0 + k / rate, whether or not the earlier ones have been answered, and its time is counted from
// when it was due, not from when a connection was free to send it (so a stall that holds requests
// back is counted in full: no coordinated omission).
//
// Why not autocannon's `overallRate`: it gives each of the N connections a budget of rate / N
// requests a second, renewed by a timer started for every connection at once; each connection
// spends its budget back to back at the start of the second and then waits. At 200 a second over
// 50 connections that is 200 requests in a burst every second, 50 at a time: the p95 it reports is
// how long the burst takes to drain, close to the closed loop's p95 at 50 connections, not the
// latency of 200 requests a second arriving one after another.
import http from 'node:http';

export type OpenLoopResult = {
  rate: number;
  achievedRps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** What went wrong, counted: an HTTP status outside 2xx, or a client error's code. */
  failures: Record<string, number>;
};

export async function openLoop(url: string, headers: Record<string, string>, o: { rate: number; durationSeconds: number; connections: number }): Promise<OpenLoopResult> {
  // An idle connection is closed here after 4 s, before the server's keep-alive timeout (Node's
  // default, 5 s) closes it: at 200 a second most of the 50 connections sit idle, and one reused in
  // the instant the server closed it failed with ECONNRESET (1 of 2,000 Dashboard requests in a run
  // on 2026-12-06), a fault of this client's socket reuse, not of the page. A browser retries such a
  // request; autocannon's connections are never idle.
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections, timeout: 4_000 });
  const target = new URL(url);
  const every = 1000 / o.rate;
  const total = Math.round(o.rate * o.durationSeconds);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const failures: Record<string, number> = {};
  const failed = (what: string) => (failures[what] = (failures[what] ?? 0) + 1);
  const inFlight = new Set<Promise<void>>();

  const send = (due: number) => {
    const p = new Promise<void>((resolve) => {
      const req = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, headers, agent }, (res) => {
        if (res.statusCode! < 200 || res.statusCode! >= 300) {
          non2xx++;
          failed(String(res.statusCode));
        }
        res.on('data', () => {});
        res.on('end', () => {
          latencies.push(performance.now() - due);
          resolve();
        });
        res.on('error', (err: NodeJS.ErrnoException) => {
          errors++;
          failed(err.code ?? err.message);
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        errors++;
        failed(err.code ?? err.message);
        resolve();
      });
      req.end();
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const t0 = performance.now();
  let k = 0;
  while (k < total) {
    const now = performance.now();
    // Every request whose time has come goes now: a late timer does not thin the load.
    while (k < total && t0 + k * every <= now) send(t0 + k++ * every);
    if (k < total) await new Promise((r) => setTimeout(r, Math.max(0, t0 + k * every - performance.now())));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN);
  return { rate: o.rate, achievedRps: round(latencies.length / elapsed), p50: pct(50), p95: pct(95), p99: pct(99), max: round(latencies.at(-1) ?? NaN), requests: latencies.length, non2xx, errors, failures };
}

const round = (n: number) => Math.round(n * 100) / 100;
