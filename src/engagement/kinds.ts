import type { Channel, MessageKind } from '../db/schema.ts';
import { KINDS } from './labels.ts';

// The message kinds a patient subscribes to, per channel (their words: ./labels.ts), and which start subscribed.

export function isMessageKind(v: string): v is MessageKind {
  return KINDS.some((k) => k.kind === v);
}

export function isChannel(v: string): v is Channel {
  return v === 'sms' || v === 'email';
}

/**
 * With no recorded choice: balance alerts are off (billing texts need a recorded opt-in, docs/rules.md, Consent and subscriptions);
 * appointment reminders and emergency notifications are on, because they concern care the patient
 * booked and the contact was given for it. A channel without a usable address sends nothing anyway.
 */
export function defaultSubscribed(kind: MessageKind): boolean {
  return kind !== 'balance_alert';
}
