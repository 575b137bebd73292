// The shape every catalog shares with en.ts: the same keys, each a string. A plural key may add
// the forms its language needs beyond en's (Spanish "many").

type PluralForm = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';

export type CatalogOf<T> = {
  [K in keyof T]: T[K] extends string ? string : CatalogOf<T[K]>;
} & { [plural: `${string}_${PluralForm}`]: string };

type StripPlural<K extends string> = K extends `${infer Base}_${PluralForm}` ? Base : K;

/** Every dotted key of a catalog, a plural named once without its form ('portal.dob.wrong'). */
export type KeyOf<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${StripPlural<K>}` : KeyOf<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every text of a catalog by its dotted key, plural forms under their own ('portal.dob.wrong_one'). */
export function catalogTexts(catalog: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(catalog)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [key, text] of catalogTexts(v as object, `${prefix}${k}.`)) out.set(key, text);
  }
  return out;
}
