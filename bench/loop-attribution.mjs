// node bench/loop-attribution.mjs <dir> [n]: for the n longest event-loop delays that bench/loop-trace.mjs
// noted in <dir>/loop-delays.txt, the CPU profile's samples in that window (<dir>/*.cpuprofile, from
// BENCH_CPU_PROF=<dir> npm run bench …): how many (about one a millisecond while the thread runs), and
// the top frames with the app's own functions beneath them.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const n = Number(process.argv[3] ?? 8);
const profileFile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!profileFile) throw new Error(`no .cpuprofile in ${dir}`);
const profile = JSON.parse(readFileSync(path.join(dir, profileFile), 'utf8'));
const delaysFile = path.join(dir, 'loop-delays.txt');
if (!existsSync(delaysFile)) {
  console.log('no event-loop delay over 50 ms was noted');
  process.exit(0);
}
const delays = readFileSync(delaysFile, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number))
  .sort((a, b) => b[2] - a[2]).slice(0, n);
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
const label = (node) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
const times = [];
let t = profile.startTime;
for (const delta of profile.timeDeltas) times.push((t += delta));
for (const [start, end, ms, onCpu, waiting] of delays) {
  const counts = new Map();
  let samples = 0;
  times.forEach((at, i) => {
    if (at < start || at > end) return;
    samples++;
    const stack = [];
    for (let id = profile.samples[i]; id; id = parents.get(id)) stack.push(nodes.get(id));
    const app = stack.filter((node) => /\/dist\//.test(node.callFrame.url)).slice(0, 2).map(label).join(' < ');
    const key = `${label(stack[0])}${app ? `  |  ${app}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const sched = Number.isFinite(onCpu) ? ` (the thread on a CPU ${onCpu} ms, waiting for one ${waiting} ms, asleep ${Math.max(0, ms - onCpu - waiting)} ms)` : '';
  console.log(`\n${ms} ms delay: ${samples} samples${sched}`);
  for (const [key, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${String(count).padStart(4)}  ${key}`);
}
