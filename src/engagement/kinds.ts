import type { Channel, MessageKind } from '../db/schema.ts';

// The message kinds a patient subscribes to, per channel, with the words the screens use.

export const KINDS: { kind: MessageKind; label: string }[] = [
  { kind: 'balance_alert', label: 'Balance alerts' },
  { kind: 'appointment_reminder', label: 'Appointment reminders' },
  { kind: 'emergency', label: 'Emergency notifications' },
];

export const CHANNELS: { channel: Channel; label: string }[] = [
  { channel: 'sms', label: 'Text' },
  { channel: 'email', label: 'Email' },
];

export function isMessageKind(v: string): v is MessageKind {
  return KINDS.some((k) => k.kind === v);
}

export function isChannel(v: string): v is Channel {
  return v === 'sms' || v === 'email';
}

export function kindLabel(kind: string): string {
  return KINDS.find((k) => k.kind === kind)?.label ?? kind.replace(/_/g, ' ');
}

export function channelLabel(channel: string): string {
  return CHANNELS.find((c) => c.channel === channel)?.label ?? channel;
}

/**
 * With no recorded choice: balance alerts are off (billing texts need a recorded opt-in, docs/rules.md, Consent and subscriptions);
 * appointment reminders and emergency notifications are on, because they concern care the patient
 * booked and the contact was given for it. A channel without a usable address sends nothing anyway.
 */
export function defaultSubscribed(kind: MessageKind): boolean {
  return kind !== 'balance_alert';
}
