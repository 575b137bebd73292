// CPU time read from Linux /proc, for the benchmarks: a process's threads, PostgreSQL's processes and the
// whole machine. Run on the machine whose CPU is measured (the app's and the database's, as the bench does).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The kernel's clock ticks a second, the unit of /proc's CPU times. */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold spaces):
 * [0] state, [1] parent pid, [11] utime, [12] stime, [13] cutime, [14] cstime (ended children, once reaped). */
function statFields(file: string): string[] | null {
  try {
    const stat = readFileSync(file, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // the thread or process ended meanwhile
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Ticks so far of a process's main thread and of its other threads (for Node: garbage-collection helpers, libuv). */
export function processThreadTicks(pid: number): { main: number; other: number } {
  const out = { main: 0, other: 0 };
  for (const tid of safeReaddir(`/proc/${pid}/task`)) {
    const f = statFields(`/proc/${pid}/task/${tid}/stat`);
    if (!f) continue;
    const ticks = Number(f[11]) + Number(f[12]);
    if (Number(tid) === pid) out.main += ticks;
    else out.other += ticks;
  }
  return out;
}

/** A process and its children (one level: the workers of `npm run start:prod:cluster`). */
export function processFamily(pid: number): number[] {
  const children: number[] = [];
  for (const tid of safeReaddir(`/proc/${pid}/task`)) {
    try {
      children.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return [pid, ...children];
}

/** processThreadTicks summed over a process and its children: each worker's main thread counts as "main". */
export function familyThreadTicks(pid: number): { main: number; other: number } {
  const out = { main: 0, other: 0 };
  for (const p of processFamily(pid)) {
    const t = processThreadTicks(p);
    out.main += t.main;
    out.other += t.other;
  }
  return out;
}

/** Every live postgres process on this machine, by pid, with its /proc/<pid>/stat fields (statFields). */
export function postgresProcesses(): Map<number, string[]> {
  const pg = new Map<number, string[]>();
  for (const pid of safeReaddir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const f = comm === 'postgres' ? statFields(`/proc/${pid}/stat`) : null;
    if (f) pg.set(Number(pid), f);
  }
  return pg;
}

/** Ticks so far of every live postgres process plus, for the postmaster, its ended backends' (so a
 * connection closing between two readings does not take its CPU out of the difference). */
export function postgresTicks(): number {
  const pg = postgresProcesses();
  let ticks = 0;
  for (const f of pg.values()) {
    ticks += Number(f[11]) + Number(f[12]);
    if (!pg.has(Number(f[1]))) ticks += Number(f[13]) + Number(f[14]);
  }
  return ticks;
}

/** The machine's busy ticks so far, all CPUs: /proc/stat's first line (user nice system idle iowait irq
 * softirq steal …) less idle and iowait. */
export function machineBusyTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return cpu.reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
}
