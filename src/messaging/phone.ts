import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

/** A phone number as E.164 (+15550100104), read as a US number unless it carries a country code; null when it is not a possible number. */
export function normalizePhone(raw: string | null | undefined): string | null {
  const text = (raw ?? '').trim();
  if (!text) return null;
  const parsed = parsePhoneNumberFromString(text, 'US');
  // isPossible (length) rather than isValid: the demo's 555-01xx numbers are reserved but well formed.
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

const emailSchema = z.email().max(254);

/** A lower-cased email address, or null when it is not one. */
export function normalizeEmail(raw: string | null | undefined): string | null {
  const text = (raw ?? '').trim();
  if (!text) return null;
  const parsed = emailSchema.safeParse(text);
  return parsed.success ? parsed.data.toLowerCase() : null;
}
