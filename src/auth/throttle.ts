import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

// A fixed-window counter in Postgres, so the limit holds across several app instances.
// Used for sign-in (per account, per address, per device cookie) and the portal's date-of-birth check.
// Once a key reaches its limit each further failure blocks it for longer: blockMs, then twice that,
// four times, ... up to maxBlockMs (growing delays, so a guesser slows down and a slip does not cost much).

export type ThrottleRule = { limit: number; windowMs: number; blockMs: number; /** defaults to blockMs: a fixed delay */ maxBlockMs?: number };
export type ThrottleState = { blocked: boolean; retryAfterSeconds: number };

/** Strangers (no device cookie for the account): 5 wrong passwords per account a day, then 1, 2, 4 ... 15 minutes. */
export const LOGIN_PER_ACCOUNT: ThrottleRule = { limit: 5, windowMs: 24 * 3_600_000, blockMs: 60_000, maxBlockMs: 15 * 60_000 };
/** Strangers, per client address (password spraying): 30 a day, then 1, 2, 4 ... 60 minutes. */
export const LOGIN_PER_IP: ThrottleRule = { limit: 30, windowMs: 24 * 3_600_000, blockMs: 60_000, maxBlockMs: 60 * 60_000 };
/** A browser with the account's device cookie: 10 wrong passwords a day, then the cookie counts for nothing for 1 hour and more. */
export const LOGIN_PER_DEVICE: ThrottleRule = { limit: 10, windowMs: 24 * 3_600_000, blockMs: 60 * 60_000, maxBlockMs: 24 * 3_600_000 };

export async function throttleState(db: Database, key: string, now: Date): Promise<ThrottleState> {
  const row = await db.selectFrom('throttles').select('blocked_until').where('key', '=', key).executeTakeFirst();
  if (row?.blocked_until && row.blocked_until > now) {
    return { blocked: true, retryAfterSeconds: Math.ceil((row.blocked_until.getTime() - now.getTime()) / 1000) };
  }
  return { blocked: false, retryAfterSeconds: 0 };
}

/** Counts one failure; returns the state after it (blocked once the limit is reached). */
export async function recordFailure(db: Database, key: string, now: Date, rule: ThrottleRule): Promise<ThrottleState> {
  const windowStart = new Date(now.getTime() - rule.windowMs);
  const maxBlockMs = rule.maxBlockMs ?? rule.blockMs;
  const firstBlock = new Date(now.getTime() + rule.blockMs);
  const hits = sql<number>`(case when throttles.window_started_at < ${windowStart} then 1 else throttles.hits + 1 end)`;
  const row = await sql<{ hits: number; blocked_until: Date | null }>`
    insert into throttles (key, hits, window_started_at, blocked_until)
    values (${key}, 1, ${now}, case when 1 >= ${rule.limit}::int then ${firstBlock}::timestamptz end)
    on conflict (key) do update set
      hits = ${hits},
      window_started_at = case when throttles.window_started_at < ${windowStart} then ${now} else throttles.window_started_at end,
      blocked_until = case
        when ${hits} >= ${rule.limit}::int
        then ${now}::timestamptz + least(${maxBlockMs}::float8, ${rule.blockMs}::float8 * power(2::float8, least(${hits} - ${rule.limit}::int, 30))) * interval '1 millisecond'
        else throttles.blocked_until end
    returning hits, blocked_until`.execute(db);
  const r = row.rows[0];
  const blocked = !!r.blocked_until && r.blocked_until > now;
  return { blocked, retryAfterSeconds: blocked ? Math.ceil((r.blocked_until!.getTime() - now.getTime()) / 1000) : 0 };
}

export async function clearThrottle(db: Database, key: string): Promise<void> {
  await db.deleteFrom('throttles').where('key', '=', key).execute();
}
