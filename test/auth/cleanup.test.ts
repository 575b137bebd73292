import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { deleteExpiredSessions } from '../../src/auth/cleanup.ts';
import { LOGIN_PER_ACCOUNT, recordFailure, throttleState } from '../../src/auth/throttle.ts';

// The nightly clean-up removes expired sessions and stale throttle rows. It must never remove a live
// session or a throttle row that still counts: deleting a blocked row would lift a sign-in lockout.

let t: TestContext;
let userId: number;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestContext();
  userId = await t.userId('owner@riverside.example');
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.deleteFrom('sessions').execute();
  await t.db.deleteFrom('throttles').execute();
});

const ids = async (table: 'sessions' | 'throttles') =>
  table === 'sessions'
    ? (await t.db.selectFrom('sessions').select('id').execute()).map((r) => r.id).sort()
    : (await t.db.selectFrom('throttles').select('key').execute()).map((r) => r.key).sort();

describe('deleteExpiredSessions', () => {
  it('deletes sessions that expired (at or before now) and keeps live ones, returning how many went', async () => {
    const now = t.clock.now();
    const at = (ms: number) => new Date(now.getTime() + ms);
    const session = (id: string, expiresAt: Date) => ({ id, user_id: userId, created_at: at(-DAY), last_active_at: at(-DAY), expires_at: expiresAt });
    await t.db
      .insertInto('sessions')
      .values([session('expired-long-ago', at(-7 * DAY)), session('expired-just-now', at(-1)), session('expires-now', now), session('live-1ms', at(1)), session('live-week', at(7 * DAY))])
      .execute();
    expect(await deleteExpiredSessions(t.db, now)).toBe(3);
    expect(await ids('sessions')).toEqual(['live-1ms', 'live-week']);
    expect(await deleteExpiredSessions(t.db, now)).toBe(0);
  });

  it('deletes throttle rows whose window is over a day old and that block nothing; keeps every row that still counts', async () => {
    const now = t.clock.now();
    const at = (ms: number) => new Date(now.getTime() + ms);
    const row = (key: string, windowStartedAt: Date, blockedUntil: Date | null) => ({ key, hits: 4, window_started_at: windowStartedAt, blocked_until: blockedUntil });
    await t.db
      .insertInto('throttles')
      .values([
        row('stale-never-blocked', at(-DAY - 1), null),
        row('stale-block-over', at(-2 * DAY), at(-1)),
        row('stale-window-live-block', at(-2 * DAY), at(60_000)),
        row('window-exactly-a-day', at(-DAY), null),
        row('counting-now', at(-10 * 60_000), null),
        row('blocked-now', at(-5 * 60_000), at(10 * 60_000)),
      ])
      .execute();
    await deleteExpiredSessions(t.db, now);
    expect(await ids('throttles')).toEqual(['blocked-now', 'counting-now', 'stale-window-live-block', 'window-exactly-a-day']);
  });

  it('a sign-in lockout survives the clean-up', async () => {
    const key = 'login:account:owner@riverside.example';
    for (let i = 0; i < LOGIN_PER_ACCOUNT.limit; i++) await recordFailure(t.db, key, t.clock.now(), LOGIN_PER_ACCOUNT);
    // The first block is LOGIN_PER_ACCOUNT.blockMs (1 minute; later ones grow): look within it.
    t.clock.advance(LOGIN_PER_ACCOUNT.blockMs / 2);
    expect((await throttleState(t.db, key, t.clock.now())).blocked).toBe(true);
    await deleteExpiredSessions(t.db, t.clock.now());
    expect((await throttleState(t.db, key, t.clock.now())).blocked).toBe(true);
    expect(await ids('throttles')).toEqual([key]);
  });
});
