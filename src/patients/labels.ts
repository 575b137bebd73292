import type { Language } from '../db/schema.ts';

// A patient's preferred language as staff read it (docs/rules.md, Language); the patient's own
// words come from the catalogs in src/i18n/.

export const LANGUAGE_LABELS: Record<Language, string> = { en: 'English', es: 'Spanish (Español)' };
