import type { EmergencyReason, Language } from '../db/schema.ts';
import { dateTimeFormat, localeOf } from '../intl.ts';

// Emergency notifications' words and limits (docs/rules.md, Emergency notifications), shared by
// src/emergency/notices.ts and its views.

export const MESSAGE_MAX = 300;

export const REASONS: Record<EmergencyReason, string> = {
  weather: 'Weather',
  power: 'Power outage',
  illness: 'Illness',
  other: 'Other',
};

/** The affected window in the reader's language (staff pages: English). */
export function formatWindow(start: Date, end: Date, timeZone: string, lang: Language = 'en'): string {
  const f = dateTimeFormat(localeOf(lang), { timeZone, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  const zone = dateTimeFormat(localeOf(lang), { timeZone, timeZoneName: 'short' }).formatToParts(end).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${f.format(start)} – ${f.format(end)} ${zone}`.trim();
}
