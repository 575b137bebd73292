import { describe, expect, it } from 'vitest';
import { defaultSubscribed, isChannel, isMessageKind } from '../../src/engagement/kinds.ts';
import { CHANNELS, KINDS, channelLabel, kindLabel } from '../../src/engagement/labels.ts';

// The kinds and channels of docs/rules.md (Consent and subscriptions), with their defaults. No
// database: a mutant of src/engagement/kinds.ts is judged here in milliseconds (issue 18).

describe('the kinds and channels a patient subscribes to', () => {
  it('three kinds on two channels; with no recorded choice only balance alerts are off', () => {
    expect(KINDS.map((k) => [k.kind, k.label, defaultSubscribed(k.kind)])).toEqual([
      ['balance_alert', 'Balance alerts', false],
      ['appointment_reminder', 'Appointment reminders', true],
      ['emergency', 'Emergency notifications', true],
    ]);
    expect(CHANNELS).toEqual([
      { channel: 'sms', label: 'Text' },
      { channel: 'email', label: 'Email' },
    ]);
  });

  it('anything else is no subscribable kind or channel (a URL may carry any word); labels fall back to the words', () => {
    expect(['balance_alert', 'appointment_reminder', 'emergency'].filter(isMessageKind)).toHaveLength(3);
    expect(['statement', 'sms_help', 'ticket_notification', '', 'Balance_alert'].filter(isMessageKind)).toEqual([]);
    expect(isChannel('sms')).toBe(true);
    expect(isChannel('email')).toBe(true);
    expect(['letter', 'SMS', '', 'mail'].filter(isChannel)).toEqual([]);
    expect(kindLabel('emergency')).toBe('Emergency notifications');
    expect(kindLabel('ticket_notification_digest')).toBe('ticket notification digest');
    expect(channelLabel('email')).toBe('Email');
    expect(channelLabel('letter')).toBe('letter');
  });
});
