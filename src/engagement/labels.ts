import type { Channel, MessageKind } from '../db/schema.ts';
import { t } from '../intl.ts';

// Patient engagement's words: the message kinds a patient subscribes to, per channel, and the
// warnings and refusals staff read (docs/rules.md, Consent and subscriptions; Emergency notifications).

export const KINDS: { kind: MessageKind; label: string }[] = [
  { kind: 'balance_alert', label: 'Balance alerts' },
  { kind: 'appointment_reminder', label: 'Appointment reminders' },
  { kind: 'emergency', label: 'Emergency notifications' },
];

export const CHANNELS: { channel: Channel; label: string }[] = [
  { channel: 'sms', label: 'Text' },
  { channel: 'email', label: 'Email' },
];

export function kindLabel(kind: string): string {
  return KINDS.find((k) => k.kind === kind)?.label ?? kind.replace(/_/g, ' ');
}

export function channelLabel(channel: string): string {
  return CHANNELS.find((c) => c.channel === channel)?.label ?? channel;
}

export const EMAIL_NOT_ENCRYPTED_WARNING = t('en', 'consent.emailWarning');

/** The refusal, in the words of the help pages. */
export const PROMOTIONAL_REFUSAL =
  'StrataEMR’s patient engagement tools are for transactional messages only: an upcoming appointment, an outstanding balance, or a clinic closure. ' +
  'Marketing or promotional messages risk being marked as spam by patients and carriers, and a flagged channel affects deliverability of every future message, ' +
  'including appointment reminders and balance notices. For marketing, download the Patient Email Report and send your campaign through a dedicated marketing platform.';

export const PATIENT_EMAIL_REPORT_PATH = '/reports/patient-email';
