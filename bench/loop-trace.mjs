// Loaded into the app under test when BENCH_CPU_PROF is set (node --import): notes every delay of
// the event loop over 50 ms as "start end ms" (start and end in microseconds of the monotonic clock,
// the CPU profile's clock) in $LOOP_TRACE_FILE. bench/loop-attribution.mjs then shows what the
// thread ran in each of those windows.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const file = process.env.LOOP_TRACE_FILE;
if (file) {
  // The profile's directory is made by Node only when the profile is written, at exit.
  mkdirSync(path.dirname(file), { recursive: true });
  let last = process.hrtime.bigint();
  setInterval(() => {
    const now = process.hrtime.bigint();
    const ms = Number(now - last) / 1e6;
    if (ms > 50) appendFileSync(file, `${last / 1000n} ${now / 1000n} ${ms.toFixed(0)}\n`);
    last = now;
  }, 5).unref();
}
