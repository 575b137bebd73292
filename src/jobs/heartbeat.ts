import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Database } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ImportKind, InstanceRole, RunningWork } from '../db/schema.ts';
import { INSTANCE_ID } from './instance.ts';

// What each instance is doing, for the Jobs page: heavy work registers itself here while it runs,
// and every ~10 s the instance writes a heartbeat row with its event-loop delay over that interval
// and the work in hand. Imports are shown from their own rows (they may move between instances).

const running = new Map<number, RunningWork>();
let nextWorkId = 1;

/** Registers heavy work while it runs; `update` moves its progress, `end` removes it. */
export function trackWork(kind: string, label: string, total: number, now: Date) {
  const id = nextWorkId++;
  const work: RunningWork = { kind, label, done: 0, total, startedAt: now.toISOString() };
  running.set(id, work);
  return {
    update(done: number, newTotal?: number) {
      work.done = done;
      if (newTotal !== undefined) work.total = newTotal;
    },
    end() {
      running.delete(id);
    },
  };
}

export function currentWork(): RunningWork[] {
  return [...running.values()].map((w) => ({ ...w }));
}

const KEEP_MS = 15 * 60_000;

export async function writeHeartbeat(db: Database, now: Date, sample: { p99Ms: number; maxMs: number }, instanceId = INSTANCE_ID, role: InstanceRole = 'web'): Promise<void> {
  await db
    .insertInto('instance_heartbeats')
    .values({ instance_id: instanceId, at: now, event_loop_p99_ms: sample.p99Ms, event_loop_max_ms: sample.maxMs, work: JSON.stringify(currentWork()), role })
    .onConflict((oc) => oc.columns(['instance_id', 'at']).doNothing())
    .execute();
  await db.deleteFrom('instance_heartbeats').where('at', '<', new Date(now.getTime() - KEEP_MS)).execute();
}

/**
 * Writes a first heartbeat at once (so the Jobs page lists the instance, and Run now finds a jobs process
 * alive, before its first interval has passed), then samples the event loop (10 ms resolution) and writes
 * a heartbeat every `everyMs`.
 */
export async function startInstanceHeartbeat(db: Database, clock: Clock, logger: Logger, role: InstanceRole = 'web', everyMs = 10_000): Promise<{ stop(): void }> {
  await writeHeartbeat(db, clock.now(), { p99Ms: 0, maxMs: 0 }, INSTANCE_ID, role);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const timer = setInterval(() => {
    const sample = { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
    h.reset();
    writeHeartbeat(db, clock.now(), sample, INSTANCE_ID, role).catch((err) => logger.warn({ err: { message: (err as Error).message } }, 'instance heartbeat not written'));
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      h.disable();
    },
  };
}

export type InstanceStatus = {
  instanceId: string;
  role: InstanceRole;
  lastAt: Date;
  /** The last 10 minutes, oldest first. */
  samples: { at: Date; p99Ms: number; maxMs: number }[];
  work: RunningWork[];
  /** No heartbeat for over 30 s: stopped, or too busy to write one. */
  silent: boolean;
};

/** Instances heard from in the last 10 minutes, with their event-loop delay and latest work. */
export async function listInstances(db: Database, now: Date): Promise<InstanceStatus[]> {
  const rows = await db
    .selectFrom('instance_heartbeats')
    .select(['instance_id', 'at', 'event_loop_p99_ms', 'event_loop_max_ms', 'work', 'role'])
    .where('at', '>', new Date(now.getTime() - 10 * 60_000))
    .orderBy('instance_id')
    .orderBy('at')
    .execute();
  const out = new Map<string, InstanceStatus>();
  for (const r of rows) {
    let s = out.get(r.instance_id);
    if (!s) out.set(r.instance_id, (s = { instanceId: r.instance_id, role: r.role, lastAt: r.at, samples: [], work: [], silent: false }));
    s.samples.push({ at: r.at, p99Ms: r.event_loop_p99_ms, maxMs: r.event_loop_max_ms });
    s.lastAt = r.at;
    s.work = r.work;
  }
  for (const s of out.values()) s.silent = now.getTime() - s.lastAt.getTime() > 30_000;
  return [...out.values()];
}

/** Heavy work and the instance it runs on. */
export type RunningWorkOn = RunningWork & { instanceId: string };

/**
 * The heavy work running on every instance: this one's as it is now, the others' as of their last
 * heartbeat (up to 10 s old; none from an instance silent for over 30 s), so a run started from the
 * Jobs page shows at once.
 */
export function runningWork(instances: InstanceStatus[], instanceId = INSTANCE_ID): RunningWorkOn[] {
  const others = instances.filter((i) => !i.silent && i.instanceId !== instanceId).flatMap((i) => i.work.map((w) => ({ ...w, instanceId: i.instanceId })));
  return [...currentWork().map((w) => ({ ...w, instanceId })), ...others];
}

export type RunningImport = { id: number; practiceName: string; kind: ImportKind; status: string; totalRows: number; processedRows: number; acceptedRows: number; savedRows: number; leasedBy: string | null };

/** Imports being worked (any practice): counts only, no file contents. */
export async function listRunningImports(db: Database): Promise<RunningImport[]> {
  const rows = await db
    .selectFrom('imports as i')
    .innerJoin('practices as p', 'p.id', 'i.practice_id')
    .select(['i.id', 'p.name', 'i.kind', 'i.status', 'i.total_rows', 'i.processed_rows', 'i.accepted_rows', 'i.saved_rows', 'i.leased_by'])
    .where('i.status', 'in', ['validating', 'saving'])
    .orderBy('i.id')
    .limit(50)
    .execute();
  return rows.map((r) => ({ id: r.id, practiceName: r.name, kind: r.kind, status: r.status, totalRows: r.total_rows, processedRows: r.processed_rows, acceptedRows: r.accepted_rows, savedRows: r.saved_rows, leasedBy: r.leased_by }));
}
