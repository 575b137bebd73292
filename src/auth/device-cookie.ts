import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase64urlNoPadding, decodeBase64urlIgnorePadding } from '@oslojs/encoding';
import type { Config } from '../config.ts';

// OWASP's device cookie: after a successful sign-in the browser keeps a long-lived cookie naming the
// account, signed with APP_SECRET. A sign-in from a browser holding a valid one for that account is
// not held by the account or address lockout (those are for strangers); its own wrong passwords count
// against the cookie instead (LOGIN_PER_DEVICE), and once that limit is reached it is a stranger again.
// Nothing is stored: the signature is the proof, the random nonce keys the cookie's failure counter.

export const DEVICE_COOKIE = 'strata_device';
export const DEVICE_COOKIE_DAYS = 365;

export type DeviceCookie = { userId: number; nonce: string };

export function issueDeviceCookie(secret: string, userId: number): string {
  const nonce = encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(16)));
  return `${userId}.${nonce}.${signature(secret, userId, nonce)}`;
}

/** The cookie's account and nonce when its signature holds, else null. */
export function readDeviceCookie(secret: string, value: string | undefined): DeviceCookie | null {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!match) return null;
  const userId = Number(match[1]);
  const expected = decodeBase64urlIgnorePadding(signature(secret, userId, match[2]));
  if (!constantTimeEqual(expected, decodeBase64urlIgnorePadding(match[3]))) return null;
  return { userId, nonce: match[2] };
}

export function deviceCookieOptions(config: Pick<Config, 'publicUrl'>) {
  return {
    path: '/login',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: config.publicUrl.startsWith('https:'),
    maxAge: DEVICE_COOKIE_DAYS * 86_400,
  };
}

function signature(secret: string, userId: number, nonce: string): string {
  return encodeBase64urlNoPadding(hmac(SHA256, new TextEncoder().encode(secret), new TextEncoder().encode(`device:${userId}:${nonce}`)));
}
