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
  let key = locale; // the options in the order written (JSON.stringify cost a third of a microsecond a call)
  for (const name in options) key += `|${name}=${options[name as keyof Intl.DateTimeFormatOptions]}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    dateTimeFormats.set(key, f);
  }
  return f;
}

const QUARTER_HOUR = 15 * 60_000;
const MINUTE_FORMAT_BUCKETS = 4096;

/**
 * A format that shows minutes (and no seconds), in the zone given at each call, giving exactly Intl's
 * text several times faster: ICU's format takes ~2 µs, and the Get Help page's dates were a quarter of
 * its rendering time. Within a quarter hour of UTC only the minute changes, in every zone of our time
 * (offsets and their changes are whole quarter hours), so the text around the minute is Intl's, made
 * once per quarter hour, and the minute goes between. A quarter hour in which anything else changes
 * (an offset with odd minutes or seconds, long ago) is formatted by Intl. test/i18n/minute-format.test.ts.
 */
export function zonedMinuteFormat(locale: string, options: Omit<Intl.DateTimeFormatOptions, 'timeZone'>): (at: Date, timeZone: string) => string {
  const zones = new Map<string, (at: Date) => string>();
  return (at, timeZone) => {
    let format = zones.get(timeZone);
    if (!format) {
      format = minuteFormat(locale, { ...options, timeZone });
      zones.set(timeZone, format);
    }
    return format(at);
  };
}

function minuteFormat(locale: string, options: Intl.DateTimeFormatOptions): (at: Date) => string {
  const intl = dateTimeFormat(locale, options);
  // Per quarter hour: the text before the minute, its first minute, whether it is written with two digits, the text after.
  type Around = readonly [before: string, minute: number, twoDigits: boolean, after: string];
  const quarters = new Map<number, Around | null>();
  const split = (at: number): Around | null => {
    // The text is format's: formatToParts writes U+202F before AM/PM where V8's format writes a space
    // (same length), so the parts give only where the minute is.
    const text = intl.format(at);
    const parts = intl.formatToParts(at);
    const i = parts.findIndex((p) => p.type === 'minute');
    if (i < 0 || !/^[0-9]{1,2}$/.test(parts[i]!.value)) return null;
    const start = parts.slice(0, i).reduce((n, p) => n + p.value.length, 0);
    const end = start + parts[i]!.value.length;
    if (parts.reduce((n, p) => n + p.value.length, 0) !== text.length || text.slice(start, end) !== parts[i]!.value) return null;
    return [text.slice(0, start), Number(parts[i]!.value), parts[i]!.value.length === 2, text.slice(end)];
  };
  return (at: Date) => {
    const ms = at.getTime();
    if (Number.isNaN(ms)) return intl.format(at); // Intl's own RangeError
    const quarter = Math.floor(ms / QUARTER_HOUR);
    let around = quarters.get(quarter);
    if (around === undefined) {
      const first = split(quarter * QUARTER_HOUR);
      const last = split(quarter * QUARTER_HOUR + QUARTER_HOUR - 1); // its last millisecond: an offset with seconds shows a 16th minute
      const same = first && last && first[0] === last[0] && first[3] === last[3] && last[1] === first[1] + 14 && first[2] === last[2];
      around = same ? first : null;
      if (quarters.size >= MINUTE_FORMAT_BUCKETS) quarters.clear();
      quarters.set(quarter, around);
    }
    if (!around) return intl.format(at);
    const minute = around[1] + Math.floor((ms - quarter * QUARTER_HOUR) / 60_000);
    return around[0] + (around[2] && minute < 10 ? '0' : '') + minute + around[3];
  };
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

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count as the staff and console pages write it: 120000 -> "120,000". */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** "1 row", "12,000 rows": a count with its noun. */
export function countOf(n: number, one: string, many: string): string {
  return `${COUNT.format(n)} ${n === 1 ? one : many}`;
}

/** A share of sent, as a percentage with one decimal; null when nothing was sent. */
export function formatRate(part: number, sent: number): string | null {
  return sent > 0 ? `${((part / sent) * 100).toFixed(1)}%` : null;
}
