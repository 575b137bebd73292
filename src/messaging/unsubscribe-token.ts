import { createHmac, timingSafeEqual } from 'node:crypto';

// The one-click unsubscribe link in every patient email: a signed token naming the patient, the
// kind and the address it was sent to, so it needs no table and cannot be forged or retargeted.

export type UnsubscribeTarget = { patientId: number; kind: string; email: string };

export function unsubscribeToken(secret: string, t: UnsubscribeTarget): string {
  const payload = Buffer.from(JSON.stringify([t.patientId, t.kind, t.email])).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export function readUnsubscribeToken(secret: string, token: string): UnsubscribeTarget | null {
  const [payload, mac] = token.split('.');
  if (!payload || !mac) return null;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const [patientId, kind, email] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Number.isSafeInteger(patientId) || typeof kind !== 'string' || typeof email !== 'string') return null;
    return { patientId, kind, email };
  } catch {
    return null;
  }
}

export function unsubscribeUrl(publicUrl: string, secret: string, t: UnsubscribeTarget): string {
  return `${publicUrl}/unsubscribe/${unsubscribeToken(secret, t)}`;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', `unsubscribe:${secret}`).update(payload).digest('base64url');
}
