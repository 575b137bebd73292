import { hash, verify } from '@node-rs/argon2';
import { MIN_PASSWORD_LENGTH } from './labels.ts';
import { z } from 'zod';

// argon2id with the library's defaults (memory 19 MiB, 2 passes): about 11 ms a hash here.
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A new password as typed in any form (set-password link, account page, staff invitation): the one length rule. */
export const newPasswordField = z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(200, 'Use at most 200 characters.');
