import { NotFound } from './errors.ts';

/** A record id from the path: digits only (no "1e3", "0x10" or spaces), at least 1; anything else does not exist (404). */
export function idParam(raw: string | undefined): number {
  if (!raw || !/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new NotFound();
  return Number(raw);
}
