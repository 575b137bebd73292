import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase64urlNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Database } from '../db/database.ts';

// A personal portal link: random, stored only as a hash, expiring. A newer link does not
// invalidate an older one that has not expired.

export const PORTAL_LINK_DAYS = 30;

export function hashPortalToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export async function issuePortalLink(
  db: Database,
  now: Date,
  publicUrl: string,
  link: { practiceId: number; patientId: number; purpose?: 'balance' | 'statement' },
): Promise<{ token: string; url: string; id: number }> {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  const token = encodeBase64urlNoPadding(bytes);
  const row = await db
    .insertInto('portal_links')
    .values({
      practice_id: link.practiceId,
      patient_id: link.patientId,
      token_hash: hashPortalToken(token),
      purpose: link.purpose ?? 'balance',
      created_at: now,
      expires_at: new Date(now.getTime() + PORTAL_LINK_DAYS * 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, url: `${publicUrl}/portal/${token}`, id: row.id };
}
