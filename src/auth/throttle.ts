import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

// A fixed-window counter in Postgres, so the limit holds across several app instances.
// Used for sign-in (per account and per IP) and the portal's date-of-birth check.

export type ThrottleRule = { limit: number; windowMs: number; blockMs: number };
export type ThrottleState = { blocked: boolean; retryAfterSeconds: number };

export const LOGIN_PER_ACCOUNT: ThrottleRule = { limit: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
export const LOGIN_PER_IP: ThrottleRule = { limit: 30, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };

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
  const blockUntil = new Date(now.getTime() + rule.blockMs);
  const row = await sql<{ hits: number; blocked_until: Date | null }>`
    insert into throttles (key, hits, window_started_at, blocked_until)
    values (${key}, 1, ${now}, case when 1 >= ${rule.limit} then ${blockUntil}::timestamptz end)
    on conflict (key) do update set
      hits = case when throttles.window_started_at < ${windowStart} then 1 else throttles.hits + 1 end,
      window_started_at = case when throttles.window_started_at < ${windowStart} then ${now} else throttles.window_started_at end,
      blocked_until = case
        when (case when throttles.window_started_at < ${windowStart} then 1 else throttles.hits + 1 end) >= ${rule.limit}
        then ${blockUntil}::timestamptz else throttles.blocked_until end
    returning hits, blocked_until`.execute(db);
  const r = row.rows[0];
  const blocked = !!r.blocked_until && r.blocked_until > now;
  return { blocked, retryAfterSeconds: blocked ? Math.ceil((r.blocked_until!.getTime() - now.getTime()) / 1000) : 0 };
}

export async function clearThrottle(db: Database, key: string): Promise<void> {
  await db.deleteFrom('throttles').where('key', '=', key).execute();
}
