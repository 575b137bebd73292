// Loaded into the app under test when BENCH_CPU_PROF is set (node --import): notes every delay of
// the event loop over 50 ms as "start end ms oncpu waiting" in $LOOP_TRACE_FILE: start and end in
// microseconds of the monotonic clock (the CPU profile's clock), then, on Linux, how many of the
// window's milliseconds the main thread spent on a CPU and waiting on a run queue for one
// (/proc/thread-self/schedstat; the rest it was asleep or blocked). bench/loop-attribution.mjs then
// shows what the thread ran in each of those windows.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const file = process.env.LOOP_TRACE_FILE;
if (file) {
  // The profile's directory is made by Node only when the profile is written, at exit.
  mkdirSync(path.dirname(file), { recursive: true });
  const statFile = '/proc/thread-self/schedstat';
  const sched = existsSync(statFile) ? () => readFileSync(statFile, 'utf8').split(' ').map(Number) : () => [NaN, NaN];
  let last = process.hrtime.bigint();
  let lastSched = sched();
  setInterval(() => {
    const now = process.hrtime.bigint();
    const nowSched = sched();
    const ms = Number(now - last) / 1e6;
    if (ms > 50) {
      const [onCpu, waiting] = [0, 1].map((i) => ((nowSched[i] - lastSched[i]) / 1e6).toFixed(0));
      appendFileSync(file, `${last / 1000n} ${now / 1000n} ${ms.toFixed(0)} ${onCpu} ${waiting}\n`);
    }
    last = now;
    lastSched = nowSched;
  }, 5).unref();
}
