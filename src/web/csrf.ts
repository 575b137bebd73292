import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeHexLowerCase, decodeHex } from '@oslojs/encoding';

// A token bound to the session: forms carry it as _csrf, htmx requests as X-CSRF-Token
// (set once on <body> with hx-headers:inherited). It sits behind Hono's Origin check.

export function csrfTokenFor(secret: string, sessionId: string): string {
  return encodeHexLowerCase(hmac(SHA256, new TextEncoder().encode(secret), new TextEncoder().encode(`csrf:${sessionId}`)));
}

export function csrfTokenMatches(secret: string, sessionId: string, presented: string | undefined): boolean {
  if (!presented || !/^[0-9a-f]{64}$/.test(presented)) return false;
  return constantTimeEqual(decodeHex(csrfTokenFor(secret, sessionId)), decodeHex(presented));
}
