import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.ts';
import { es } from '../../src/i18n/es.ts';
import { t, viaI18next, LANGUAGES, type MessageKey } from '../../src/i18n/i18n.ts';
import { catalogTexts } from '../../src/i18n/catalog.ts';

// t() answers most texts from the catalog itself (src/i18n/i18n.ts, quickT) and the rest through
// i18next. Whichever way, it must say what i18next says: every key of both catalogs, plurals at
// several counts, variables given as text and as numbers, and a variable left out.

const catalogs = { en, es };

/** Every key as t() is asked for it (a plural once, without its form), with the variables of all its forms. */
function keysOf(catalog: object): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [form, text] of catalogTexts(catalog)) {
    const key = form.replace(/_(zero|one|two|few|many|other)$/, '');
    const names = out.get(key) ?? new Set<string>();
    for (const m of text.matchAll(/\{\{-?\s*([A-Za-z0-9_]+)/g)) names.add(m[1]);
    out.set(key, names);
  }
  return out;
}

describe('t(): the catalog read directly says what i18next says', () => {
  for (const lang of LANGUAGES) {
    const keys = keysOf(catalogs[lang]);

    it(`${lang}: every key, its variables given as text (${keys.size} keys)`, () => {
      let compared = 0;
      for (const [key, names] of keys) {
        const params = Object.fromEntries([...names].filter((n) => n !== 'count').map((n) => [n, `‹${n} 1 & <b>›`]));
        const counts = names.has('count') ? [0, 1, 2, 5, 21] : [undefined];
        for (const count of counts) {
          const p = count === undefined ? params : { ...params, count };
          expect(t(lang, key as MessageKey, p), `${lang} ${key} ${JSON.stringify(p)}`).toBe(viaI18next(lang, key, p));
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(100);
    });

    it(`${lang}: numbers for variables, and a variable left out`, () => {
      for (const [key, names] of keys) {
        if (!names.size || names.has('count')) continue;
        const numbers = Object.fromEntries([...names].map((n, i) => [n, 1000.5 + i]));
        expect(t(lang, key as MessageKey, numbers), `${lang} ${key} numbers`).toBe(viaI18next(lang, key, numbers));
        const [first, ...rest] = [...names];
        const missing = Object.fromEntries(rest.map((n) => [n, n]));
        expect(t(lang, key as MessageKey, missing), `${lang} ${key} without ${first}`).toBe(viaI18next(lang, key, missing));
      }
    });
  }

  it('fills in a variable as given, and a plain text as written', () => {
    expect(t('en', 'portal.account.hello' as MessageKey, { name: 'Ana' })).toBe('Hello, Ana');
    expect(t('es', 'portal.account.hello' as MessageKey, { name: 'Ana' })).toBe(viaI18next('es', 'portal.account.hello', { name: 'Ana' }));
    expect(t('en', 'portal.receipt.title' as MessageKey)).toBe(en.portal.receipt.title);
  });
});
