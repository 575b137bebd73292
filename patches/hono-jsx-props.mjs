// Run by npm after every install (package.json "postinstall"), and idempotent.
//
// Hono's JSX renderer (hono/dist/jsx/base.js, ESM and CJS builds) walks each element's attributes with
// `Object.entries(props)`, an array of [key, value] arrays per element, and makes a closure per element
// to normalise the names. Rendering the Get Help page, that was the largest single allocation of a
// request (a tenth of the app's). This walks `Object.keys(props)` (the same own keys, in the same order:
// nothing inherited, whatever is on Object.prototype) and decides svg-or-not once per element, with the
// same name normalisation. `npx tsx bench/render-page.tsx`: 271-277 -> 196-207 µs of CPU a render.
// README, "Issue 17", the date formats and Hono's JSX. test/web/hono-jsx-patch.test.tsx checks that the
// installed files carry it and that pages render byte for byte as before.
//
// If a Hono upgrade changes these lines, the patch is skipped with a warning (rendering is correct
// either way, only slower) and that test fails until this file is brought up to date, or removed if
// Hono has made the same change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MARKER = '/* patched: patches/hono-jsx-props.mjs */';
export const FILES = ['dist/jsx/base.js', 'dist/cjs/jsx/base.js'];

// `$1` the svg test, `$2` toSVGAttributeName, `$3` normalizeIntrinsicElementKey (prefixed by the module's
// name in the CJS build), `$4`/`$5` the indentation.
const ORIGINAL =
  /const normalizeKey = (.+?) \? \(key\) => ([\w.]+)\(([\w.]+)\(key\)\) : \(key\) => [\w.]+\(key\);\n(\t+)for \(let \[key, v\] of Object\.entries\(props\)\) \{\n(\t+)key = normalizeKey\(key\);/;

/** Patches one file's text: the patched text, or null when neither the original nor the patch is in it. */
export function patchText(text) {
  if (text.includes(MARKER)) return text;
  if (!ORIGINAL.test(text)) return null;
  return text.replace(
    ORIGINAL,
    (_, svg, toSvg, normalize, outer, inner) =>
      `const isSvg = ${svg}; ${MARKER}\n${outer}for (let key of Object.keys(props)) {\n${inner}const v = props[key];\n${inner}key = isSvg ? ${toSvg}(${normalize}(key)) : ${normalize}(key);`,
  );
}

function main() {
  const hono = fileURLToPath(new URL('../node_modules/hono/', import.meta.url));
  for (const file of FILES) {
    const path = hono + file;
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const patched = patchText(text);
    if (patched === null) console.warn(`patches/hono-jsx-props.mjs: ${path} is not the text this patch knows (a new Hono?); left as it is`);
    else if (patched !== text) writeFileSync(path, patched);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
