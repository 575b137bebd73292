import i18next from 'i18next';
import type { Language } from '../db/schema.ts';
import { catalogTexts, type KeyOf } from './catalog.ts';
import { en } from './en.ts';
import { es } from './es.ts';

// One i18next instance for every patient-facing word (docs/rules.md, Language). The catalogs are
// bundled, so it initialises synchronously at import. Values are not HTML-escaped here: texts and
// plain emails are not HTML, and JSX escapes on its own; an HTML email escapes what it passes in.

export type MessageKey = KeyOf<typeof en>;

export const LANGUAGES: readonly Language[] = ['en', 'es'];

const instance = i18next.createInstance();
void instance.init({
  resources: { en: { translation: en }, es: { translation: es } },
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: ['en', 'es'],
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** The words of `key` in `lang`, with `params` filled in (`count` picks a plural form). */
export function t(lang: Language, key: MessageKey, params: Record<string, unknown> = {}): string {
  return quickT(lang, key, params) ?? viaI18next(lang, key, params);
}

/** i18next's own answer, for every text the quick path leaves (and for its test). */
export function viaI18next(lang: Language, key: string, params: Record<string, unknown> = {}): string {
  return String(instance.t(key, { ...params, lng: lang }));
}

// A patient's portal page asks for some forty texts, and i18next resolves each through its key
// parser, fallback chain, plural and nesting checks and interpolation regexes: 8-9 % of the app's
// thread on the portal's balance page under load (issue 17). Most texts are plain or fill in
// `{{name}}`s only; those are taken from the catalog directly. Anything else (a plural, chosen by
// `count`; a variable not given; a value that is not a string or number; a format, nesting or any
// other i18next syntax) goes to i18next. test/i18n/quick-t.test.ts holds every key of both catalogs
// to i18next's own answer.
type Template = { parts: string[]; names: string[] };
const templates: Record<Language, Map<string, Template | null>> = { en: compile(en), es: compile(es) };

function compile(catalog: object): Map<string, Template | null> {
  return new Map([...catalogTexts(catalog)].map(([key, text]) => [key, template(text)]));
}

/** `{{name}}`s split out of a text, or null when it holds anything else of i18next's syntax. */
function template(text: string): Template | null {
  if (text.includes('$t(')) return null;
  const parts: string[] = [];
  const names: string[] = [];
  const re = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push(text.slice(at, m.index));
    names.push(m[1]);
    at = m.index + m[0].length;
  }
  parts.push(text.slice(at));
  return parts.some((p) => p.includes('{{') || p.includes('}}')) ? null : { parts, names };
}

function quickT(lang: Language, key: string, params: Record<string, unknown>): string | null {
  if ('count' in params) return null;
  const tpl = templates[lang].get(key);
  if (!tpl) return null;
  let out = tpl.parts[0];
  for (let i = 0; i < tpl.names.length; i++) {
    const v = params[tpl.names[i]];
    if (typeof v === 'string') out += v;
    else if (typeof v === 'number') out += String(v);
    else return null;
    out += tpl.parts[i + 1];
  }
  return out;
}

/** A stored or typed language, English unless it is exactly one we have. */
export function languageOf(value: unknown): Language {
  return value === 'es' ? 'es' : 'en';
}

/** A language asked for by name (a cookie, a query), or null when it is none of ours. */
export function chosenLanguage(value: unknown): Language | null {
  return LANGUAGES.find((l) => l === value) ?? null;
}

/** The Intl locale of a language: US formats in both (dates, "$1,234.50"). */
export function localeOf(lang: Language): string {
  return LOCALES[lang];
}

const LOCALES: Record<Language, string> = { en: 'en-US', es: 'es-US' };
