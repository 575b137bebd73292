import type { Database } from '../db/database.ts';
import type { User } from '../db/schema.ts';
import { verifyPassword } from './passwords.ts';
import type { DeviceCookie } from './device-cookie.ts';
import { LOGIN_PER_ACCOUNT, LOGIN_PER_DEVICE, LOGIN_PER_IP, clearThrottle, recordFailure, throttleState } from './throttle.ts';

export type LoginResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' | 'deactivated' | 'throttled'; retryAfterSeconds?: number };

// A hash to verify against when the email is unknown, so that a wrong email takes as long as a wrong password.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0ZzWq0mpb6l9yY5uJb6z4JQ7zKQF2GxA3zP2nN3x9bE';

/**
 * Checks a sign-in. A browser with this account's device cookie is throttled on its own counter
 * only, so nobody can lock a user out of the browser they always use. Strangers are counted per
 * account and per address with growing delays, in Postgres so the limits hold across instances.
 */
export async function attemptLogin(
  db: Database,
  now: Date,
  email: string,
  password: string,
  ip: string | null,
  device: DeviceCookie | null = null,
): Promise<LoginResult> {
  const accountKey = `login:account:${email.trim().toLowerCase()}`;
  const ipKey = `login:ip:${ip ?? 'unknown'}`;
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .executeTakeFirst();
  const deviceKey = device && user && device.userId === user.id ? `login:device:${device.nonce}` : null;
  const trusted = !!deviceKey && !(await throttleState(db, deviceKey, now)).blocked;
  if (!trusted) {
    for (const key of [accountKey, ipKey]) {
      const state = await throttleState(db, key, now);
      if (state.blocked) return { ok: false, reason: 'throttled', retryAfterSeconds: state.retryAfterSeconds };
    }
  }
  const valid = await verifyPassword(user?.password_hash ?? DUMMY_HASH, password);
  if (!user || !valid) {
    if (trusted) {
      await recordFailure(db, deviceKey, now, LOGIN_PER_DEVICE);
      return { ok: false, reason: 'invalid' };
    }
    const [account, byIp] = await Promise.all([
      recordFailure(db, accountKey, now, LOGIN_PER_ACCOUNT),
      recordFailure(db, ipKey, now, LOGIN_PER_IP),
    ]);
    if (account.blocked || byIp.blocked) {
      return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(account.retryAfterSeconds, byIp.retryAfterSeconds) };
    }
    return { ok: false, reason: 'invalid' };
  }
  if (!user.active) return { ok: false, reason: 'deactivated' };
  await clearThrottle(db, trusted ? deviceKey : accountKey);
  return { ok: true, user };
}
