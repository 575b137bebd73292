import { TZDate } from '@date-fns/tz';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Language } from './db/schema.ts';
import { localeOf } from './i18n/i18n.ts';

// The patient's words and their formats (docs/rules.md, Language), for views as well as src/.
export { t, languageOf, chosenLanguage, localeOf, type MessageKey } from './i18n/i18n.ts';

// Intl formatters cost a tenth of a millisecond or more to build and nothing to reuse: a list of
// fifty threads that built one per date spent most of its time here. One per locale and options.

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    dateTimeFormats.set(key, f);
  }
  return f;
}

const money = new Map<Language, Intl.NumberFormat>();

/** Money is integer cents everywhere; this is the one way it is written: 10000 -> "$100.00"; -2500 -> "-$25.00" (es-US writes US dollars the same way). */
export function formatCents(cents: number, lang: Language = 'en'): string {
  let f = money.get(lang);
  if (!f) {
    f = new Intl.NumberFormat(localeOf(lang), { style: 'currency', currency: 'USD' });
    money.set(lang, f);
  }
  return f.format(cents / 100);
}

/** 'YYYY-MM-DD' of an instant in a time zone (a practice's "today"). */
export function localDate(at: Date, timeZone: string): string {
  const t = new TZDate(at.getTime(), timeZone);
  return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
}

/** A display form for a stored E.164 number: (555) 010-0104 for US numbers. */
export function formatPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === 'US' || parsed.countryCallingCode === '1' ? parsed.formatNational() : parsed.formatInternational();
}

/** A share of sent, as a percentage with one decimal; null when nothing was sent. */
export function formatRate(part: number, sent: number): string | null {
  return sent > 0 ? `${((part / sent) * 100).toFixed(1)}%` : null;
}
