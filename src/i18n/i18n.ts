import i18next from 'i18next';
import type { Language } from '../db/schema.ts';
import type { KeyOf } from './catalog.ts';
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
  return String(instance.t(key, { ...params, lng: lang }));
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
