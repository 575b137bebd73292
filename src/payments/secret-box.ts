import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Credentials at rest: AES-256-GCM with a key derived from APP_SECRET by HKDF-SHA256.
// The additional data names the practice and the field, so a ciphertext copied into another
// practice's row or another column does not decrypt.

const VERSION = 'v1';

export function deriveKey(appSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', appSecret, 'strata-engage', purpose, 32));
}

export function sealSecret(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
}

export function openSecret(key: Buffer, sealed: string, context: string): string {
  const [version, data] = sealed.split('.');
  if (version !== VERSION || !data) throw new Error('unknown secret format');
  const raw = Buffer.from(data, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
