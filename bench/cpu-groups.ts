// The bench's scheduling groups: PostgreSQL, the app and the bench's own clients each in a CPU cgroup of
// equal weight, as systemd services (or Docker containers) are in production, and the health probe's
// thread in one of its own.
//
// Without this, a kernel with autogroup (`/proc/sys/kernel/sched_autogroup_enabled` = 1) schedules each
// session as a group of equal weight, and PostgreSQL starts every backend in a session of its own
// (postmaster children call setsid): nine busy backends during the stall load were nine groups against
// the app's one, so the app held a tenth of the machine's weight, not a half. Autogroup applies only to
// tasks in the root cgroup, so a service's cgroup (systemd's CPUWeight, default 100 for every unit)
// replaces it; these groups do the same on the bench machine. docs/performance-log.md, "Service-shaped CPU groups".
//
// cgroup v1's cpu controller at /sys/fs/cgroup/cpu, writable (root), and PostgreSQL on this machine;
// otherwise the bench runs with the machine's own arrangement and says so. BENCH_CPU_GROUPS=off skips it.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { postgresProcesses } from './proc-cpu.ts';

const ROOT = '/sys/fs/cgroup/cpu';
const GROUPS = { database: 'strata-bench-postgres', app: 'strata-bench-app', jobs: 'strata-bench-jobs', clients: 'strata-bench-clients', probe: 'strata-bench-probe' } as const;

/** The health probe's weight: it stands for a check from another machine, so it must not wait for a core
 * itself, and it uses about 1 % of one, so the weight takes nothing from the others. */
const PROBE_SHARES = 65536;

/** Set while the groups are in place. */
let active = false;

/**
 * The file a thread writes its id to to join the health probe's group (cgroup v1 places threads one by
 * one), or null without groups. The probe stands for a load balancer's health check, which runs on
 * another machine: in the clients' group its own wait for a core, behind the bench's 9 MB upload and
 * 100,000 report rows, counted as the app's answer time (with the app at 4× weight: 218 ms worst while
 * the app's loop was delayed 119 ms at most). It is idle but for a request every 20 ms, so its group takes little.
 */
export function probeThreadTasksFile(): string | null {
  return active ? `${ROOT}/${GROUPS.probe}/tasks` : null;
}

export type CpuGroups = {
  /** Puts a process (all its threads) in the app's group. */
  addApp(pid: number): void;
  /** Puts the jobs process (BENCH_JOBS_PROCESS) in a group of its own, at BENCH_JOBS_CPU_SHARES (256: systemd's CPUWeight=25). */
  addJobs(pid: number): void;
  /** Every process back in the root group, the groups removed. Idempotent. */
  restore(): void;
};

/** Every postgres process on this machine: the postmaster (its parent is not postgres) first, then its children. */
function postgresPids(): number[] {
  const pg = postgresProcesses();
  const postmasters = [...pg].filter(([, f]) => !pg.has(Number(f[1]))).map(([pid]) => pid);
  return [...postmasters, ...[...pg.keys()].filter((pid) => !postmasters.includes(pid))];
}

function move(pid: number | string, group: string | null): void {
  try {
    writeFileSync(group ? `${ROOT}/${group}/cgroup.procs` : `${ROOT}/cgroup.procs`, String(pid));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // ended meanwhile
  }
}

/** Moves everything in the bench's groups back to the root group and removes them (also what a killed run left). */
function removeGroups(): void {
  for (const group of Object.values(GROUPS)) {
    const dir = `${ROOT}/${group}`;
    if (!existsSync(dir)) continue;
    // A backend forked meanwhile lands in its parent's group: read again until empty.
    for (let pass = 0; pass < 20; pass++) {
      const pids = readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean);
      if (!pids.length) break;
      for (const pid of pids) move(pid, null);
    }
    removeEmptyGroup(dir);
  }
}

/** rmdir of an empty group answers EBUSY while a process that was in it is still exiting (a backend that
 * closed with the bench's connections): cgroup.procs no longer lists it, but the group is not yet free. */
function removeEmptyGroup(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || attempt === 40) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); // a synchronous 50 ms: this also runs in 'exit'
    }
  }
}

export function serviceCpuGroups(log: (line: string) => void): CpuGroups | null {
  const machineOwn = "the machine's own scheduling groups (autogroup: each PostgreSQL backend a group of its own)";
  if (process.env.BENCH_CPU_GROUPS === 'off' || process.env.BENCH_APP_GROUP_NICE !== undefined) {
    log(`CPU groups: ${machineOwn}`);
    return null;
  }
  // BENCH_APP_CPU_SHARES=<n>: the app's weight against the others' 1024 (systemd's CPUWeight=, scaled).
  const appShares = Number(process.env.BENCH_APP_CPU_SHARES ?? 1024);
  const jobsShares = Number(process.env.BENCH_JOBS_CPU_SHARES ?? 256);
  if (!Number.isInteger(jobsShares) || jobsShares < 2 || jobsShares > 262144) throw new Error(`BENCH_JOBS_CPU_SHARES must be an integer from 2 to 262144, not ${process.env.BENCH_JOBS_CPU_SHARES}`);
  if (!Number.isInteger(appShares) || appShares < 2 || appShares > 262144) throw new Error(`BENCH_APP_CPU_SHARES must be an integer from 2 to 262144, not ${process.env.BENCH_APP_CPU_SHARES}`);
  if (!existsSync(`${ROOT}/cgroup.procs`)) {
    log(`CPU groups: no cgroup v1 cpu controller at ${ROOT}; ${machineOwn}`);
    return null;
  }
  try {
    removeGroups();
    const pg = postgresPids();
    if (!pg.length) {
      log(`CPU groups: PostgreSQL is not on this machine; ${machineOwn}`);
      return null;
    }
    for (const group of Object.values(GROUPS)) {
      mkdirSync(`${ROOT}/${group}`);
      writeFileSync(`${ROOT}/${group}/cpu.shares`, String(group === GROUPS.app ? appShares : group === GROUPS.jobs ? jobsShares : group === GROUPS.probe ? PROBE_SHARES : 1024));
    }
    // The postmaster first, so backends it forks from now on start in its group; then the rest, twice
    // over for any forked between the listing and the move.
    for (let pass = 0; pass < 2; pass++) for (const pid of pass ? postgresPids() : pg) move(pid, GROUPS.database);
    move(process.pid, GROUPS.clients);
  } catch (err) {
    removeGroups();
    log(`CPU groups: could not set them up (${(err as Error).message}); ${machineOwn}`);
    return null;
  }
  active = true;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    active = false;
    removeGroups();
  };
  process.once('exit', restore);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      restore();
      process.exit(130);
    });
  }
  log(appShares === 1024
    ? 'CPU groups: PostgreSQL, the app, the bench and its health probe each in a cgroup of equal weight (cpu.shares 1024), as services are'
    : `CPU groups: PostgreSQL, the bench and its health probe each in a cgroup of cpu.shares 1024, the app in one of ${appShares}`);
  return {
    addApp: (pid) => move(pid, GROUPS.app),
    addJobs: (pid) => {
      move(pid, GROUPS.jobs);
      log(`CPU groups: the jobs process in a cgroup of cpu.shares ${jobsShares}`);
    },
    restore,
  };
}
