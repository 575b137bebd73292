import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.ts';
import { es } from '../../src/i18n/es.ts';
import { t } from '../../src/i18n/i18n.ts';
import { catalogTexts } from '../../src/i18n/catalog.ts';

// The message catalogs (docs/rules.md, Language): every patient-facing key exists in both
// languages with the same placeholders, no text is empty, and each plural has every form its
// language's plural rules can ask for, so i18next never falls back to English mid-sentence.

const CATALOGS = { en, es } as const;
const PLURAL = /_(zero|one|two|few|many|other)$/;

const baseKeys = (m: Map<string, string>) => new Set([...m.keys()].map((k) => k.replace(PLURAL, '')));
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]).filter((p) => p !== 'count').sort();

describe('message catalogs', () => {
  const flat = { en: catalogTexts(en), es: catalogTexts(es) };

  it('have the same keys in English and Spanish', () => {
    expect([...baseKeys(flat.es)].sort()).toEqual([...baseKeys(flat.en)].sort());
    expect(flat.en.size).toBeGreaterThan(50);
  });

  it('have no empty text', () => {
    for (const [lang, m] of Object.entries(flat)) for (const [k, v] of m) expect(v.trim(), `${lang} ${k}`).not.toBe('');
  });

  it('fill in the same placeholders in both languages', () => {
    const byBase = (m: Map<string, string>) => {
      const out = new Map<string, Set<string>>();
      for (const [k, v] of m) {
        const base = k.replace(PLURAL, '');
        const set = out.get(base) ?? new Set<string>();
        for (const p of placeholders(v)) set.add(p);
        out.set(base, set);
      }
      return out;
    };
    const enP = byBase(flat.en);
    const esP = byBase(flat.es);
    for (const [k, ps] of enP) expect([...(esP.get(k) ?? [])].sort(), k).toEqual([...ps].sort());
    // Within one language, every form of a plural names the same placeholders.
    for (const [lang, m] of Object.entries(flat)) {
      for (const [k, v] of m) {
        if (!PLURAL.test(k)) continue;
        expect(placeholders(v), `${lang} ${k}`).toEqual(placeholders(m.get(k.replace(PLURAL, '_other'))!));
      }
    }
  });

  it('give each plural every form the language uses', () => {
    for (const [lang, m] of Object.entries(flat)) {
      const forms = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      const plurals = new Set([...m.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')));
      expect(plurals.size, lang).toBeGreaterThan(0);
      for (const base of plurals) for (const f of forms) expect(m.has(`${base}_${f}`), `${lang} ${base}_${f}`).toBe(true);
    }
  });

  it('answer through i18next in the asked language, with plurals by count', () => {
    expect(t('en', 'portal.dob.wrong', { count: 1, then: 'x' })).toMatch(/^That date of birth does not match our records\. One try is left/);
    expect(t('en', 'portal.dob.wrong', { count: 3, then: 'x' })).toMatch(/3 tries are left/);
    expect(t('es', 'portal.dob.wrong', { count: 1, then: 'x' })).toMatch(/Queda un intento/);
    expect(t('es', 'portal.dob.wrong', { count: 3, then: 'x' })).toMatch(/Quedan 3 intentos/);
    expect(t('es', 'portal.dob.wrong', { count: 1_000_000, then: 'x' })).toMatch(/Quedan 1000000 intentos/);
    expect(t('es', 'balanceAlert.subject', { practice: 'A & <B>' })).toBe('Un mensaje de A & <B>');
    expect(Object.keys(CATALOGS)).toEqual(['en', 'es']);
  });
});
