import { describe, expect, it } from 'vitest';
import { deriveKey, openSecret, sealSecret } from '../../src/payments/secret-box.ts';
import { webhookSignatureMatches, signWebhookBody } from '../../src/payments/authorize-net.ts';

describe('credentials at rest', () => {
  const key = deriveKey('test-secret-test-secret-test-secret-0123456789', 'authorize-net-credentials v1');

  it('round-trips, with a fresh nonce each time', () => {
    const a = sealSecret(key, 'FAKEtransKEY1234', '1:transaction_key');
    const b = sealSecret(key, 'FAKEtransKEY1234', '1:transaction_key');
    expect(a).not.toBe(b);
    expect(a).not.toContain('FAKEtransKEY1234');
    expect(openSecret(key, a, '1:transaction_key')).toBe('FAKEtransKEY1234');
  });

  it('refuses another practice’s or field’s context, a tampered ciphertext and another APP_SECRET', () => {
    const sealed = sealSecret(key, 'FAKEtransKEY1234', '1:transaction_key');
    expect(() => openSecret(key, sealed, '2:transaction_key')).toThrow();
    expect(() => openSecret(key, sealed, '1:signature_key')).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => openSecret(key, `v1.${raw.toString('base64url')}`, '1:transaction_key')).toThrow();
    const other = deriveKey('another-secret-another-secret-another-secret', 'authorize-net-credentials v1');
    expect(() => openSecret(other, sealed, '1:transaction_key')).toThrow();
  });
});

describe('webhook signatures', () => {
  it('match the raw body exactly, in either hex case, and nothing else', () => {
    const body = '{"notificationId":"1"}';
    const sig = signWebhookBody('AB'.repeat(64), body);
    expect(webhookSignatureMatches('AB'.repeat(64), body, sig)).toBe(true);
    expect(webhookSignatureMatches('AB'.repeat(64), body, sig.toLowerCase())).toBe(true);
    expect(webhookSignatureMatches('AB'.repeat(64), body + ' ', sig)).toBe(false);
    expect(webhookSignatureMatches('CD'.repeat(64), body, sig)).toBe(false);
    expect(webhookSignatureMatches('AB'.repeat(64), body, undefined)).toBe(false);
    expect(webhookSignatureMatches('AB'.repeat(64), body, 'sha512=')).toBe(false);
  });
});
