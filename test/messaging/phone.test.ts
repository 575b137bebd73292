import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizePhone } from '../../src/messaging/phone.ts';
import { formatPhone } from '../../src/intl.ts';
import { keywordOf } from '../../src/messaging/inbound.ts';
import { backoffMs } from '../../src/messaging/dispatcher.ts';
import { isPermanentHttpStatus } from '../../src/messaging/transports.ts';
import { readUnsubscribeToken, unsubscribeToken } from '../../src/messaging/unsubscribe-token.ts';

describe('phone numbers to E.164', () => {
  it('reads US numbers in the ways staff type them', () => {
    for (const raw of ['(555) 010-0104', '555-010-0104', '5550100104', '+1 555 010 0104', '1-555-010-0104', ' 555.010.0104 ']) {
      expect(normalizePhone(raw)).toBe('+15550100104');
    }
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(formatPhone('+15550100104')).toBe('(555) 010-0104');
  });
  it('refuses what cannot be a phone number', () => {
    for (const raw of ['', '   ', '12345', 'call me', '555-010-01049999', null, undefined]) expect(normalizePhone(raw)).toBeNull();
  });
});

describe('email addresses', () => {
  it('accepts and lower-cases valid addresses, refuses the rest', () => {
    expect(normalizeEmail(' James.Carter@Example.com ')).toBe('james.carter@example.com');
    for (const raw of ['', 'james', 'james@', '@example.com', 'a b@example.com', 'x@y']) expect(normalizeEmail(raw)).toBeNull();
  });
});

describe('inbound keywords', () => {
  it('reads STOP and its synonyms (English and Spanish), START and HELP, whatever the case or punctuation', () => {
    for (const w of ['STOP', 'stop', 'Stop.', 'STOPALL', 'quit', 'END', 'revoke', 'OPT OUT', 'opt-out', 'cancel', 'Unsubscribe', 'PARAR', 'alto', 'Detener', 'cancelar', 'BAJA']) expect(keywordOf(w)).toBe('stop');
    for (const w of ['START', 'unstop', 'Yes']) expect(keywordOf(w)).toBe('start');
    for (const w of ['HELP', 'help?', 'AYUDA']) expect(keywordOf(w)).toBe('help');
    for (const w of ['please stop texting me at night', 'thanks', 'stopp']) expect(keywordOf(w)).toBeNull();
  });
});

describe('retry policy', () => {
  it('backs off exponentially with jitter, capped at six hours', () => {
    expect(backoffMs(1, () => 0)).toBe(15_000);
    expect(backoffMs(1, () => 1)).toBe(30_000);
    expect(backoffMs(4, () => 1)).toBe(240_000);
    expect(backoffMs(30, () => 1)).toBe(6 * 3_600_000);
  });
  it('fails at once only on 4xx that no retry can fix', () => {
    expect([400, 401, 403, 404, 422].map(isPermanentHttpStatus)).toEqual([true, true, true, true, true]);
    expect([408, 409, 429, 500, 503, null].map(isPermanentHttpStatus)).toEqual([false, false, false, false, false, false]);
  });
});

describe('unsubscribe tokens', () => {
  it('round-trip, and a changed payload or another secret is refused', () => {
    const token = unsubscribeToken('s'.repeat(32), { patientId: 7, kind: 'balance_alert', email: 'a@example.com' });
    expect(readUnsubscribeToken('s'.repeat(32), token)).toEqual({ patientId: 7, kind: 'balance_alert', email: 'a@example.com' });
    expect(readUnsubscribeToken('t'.repeat(32), token)).toBeNull();
    const [, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify([8, 'balance_alert', 'a@example.com'])).toString('base64url') + '.' + mac;
    expect(readUnsubscribeToken('s'.repeat(32), forged)).toBeNull();
  });
});
