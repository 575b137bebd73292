import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeHexLowerCase, decodeHex, encodeBase64urlNoPadding, decodeBase64urlIgnorePadding } from '@oslojs/encoding';

// A token bound to the session: forms carry it as _csrf, htmx requests as X-CSRF-Token
// (set once on <body> with hx-headers:inherited). It sits behind Hono's Origin check.
//
// Pages are compressed and some reflect the query (q=), so a token that stayed the same on every
// page would let BREACH recover it byte by byte. Each response therefore carries the token masked
// with a fresh random pad (pad ‖ pad XOR token, base64url), as Rails and Django do; checking a
// presented token unmasks it first. The bare hex token is accepted too: it never appears in a page.

const TOKEN_BYTES = 32;

export function csrfTokenFor(secret: string, sessionId: string): string {
  return encodeHexLowerCase(sessionToken(secret, sessionId));
}

/** The session's token under a fresh pad: what a page embeds. */
export function maskedCsrfTokenFor(secret: string, sessionId: string): string {
  const token = sessionToken(secret, sessionId);
  const pad = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  const out = new Uint8Array(TOKEN_BYTES * 2);
  out.set(pad, 0);
  for (let i = 0; i < TOKEN_BYTES; i++) out[TOKEN_BYTES + i] = pad[i] ^ token[i];
  return encodeBase64urlNoPadding(out);
}

export function csrfTokenMatches(secret: string, sessionId: string, presented: string | undefined): boolean {
  const bytes = presentedToken(presented);
  return !!bytes && constantTimeEqual(sessionToken(secret, sessionId), bytes);
}

function sessionToken(secret: string, sessionId: string): Uint8Array {
  return hmac(SHA256, new TextEncoder().encode(secret), new TextEncoder().encode(`csrf:${sessionId}`));
}

/** The unmasked token bytes of a masked (base64url) or bare (hex) token, or null. */
function presentedToken(presented: string | undefined): Uint8Array | null {
  if (!presented) return null;
  if (/^[0-9a-f]{64}$/.test(presented)) return decodeHex(presented);
  if (!/^[A-Za-z0-9_-]{86}$/.test(presented)) return null;
  const raw = decodeBase64urlIgnorePadding(presented);
  if (raw.length !== TOKEN_BYTES * 2) return null;
  const token = new Uint8Array(TOKEN_BYTES);
  for (let i = 0; i < TOKEN_BYTES; i++) token[i] = raw[i] ^ raw[TOKEN_BYTES + i];
  return token;
}
