import { createHmac, timingSafeEqual } from 'node:crypto';

// Provider webhook signatures, checked against the raw request before anything is parsed or changed.

export const SVIX_TOLERANCE_SECONDS = 5 * 60;

/**
 * Resend signs webhooks with svix (the Standard Webhooks scheme): base64 HMAC-SHA256 of
 * "id.timestamp.body" under the base64 secret after "whsec_". Checked here rather than with the
 * standardwebhooks package so the freshness window uses the injected clock; tests sign with that package.
 */
export function verifySvixSignature(secret: string, headers: { id?: string; timestamp?: string; signature?: string }, rawBody: string, now: Date): 'ok' | 'missing' | 'stale' | 'bad' {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return 'missing';
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(now.getTime() / 1000 - ts) > SVIX_TOLERANCE_SECONDS) return 'stale';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
  for (const part of signature.split(' ')) {
    const [version, sig] = part.split(',');
    if (version !== 'v1' || !sig) continue;
    const given = Buffer.from(sig, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return 'ok';
  }
  return 'bad';
}

/** Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the full URL followed by each POST param name+value, sorted by name. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(data).digest('base64');
}

export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string>, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
