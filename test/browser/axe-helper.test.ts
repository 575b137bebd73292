import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH, seriousViolations } from '../support/browser.ts';

// The accessibility checks of every browser test go through seriousViolations: it must be able to
// fail. A page with known serious faults is reported, fault by fault; a clean page is not; and a
// second document in the same page is checked afresh.

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(() => browser.close());

describe('seriousViolations (test/support/browser.ts)', () => {
  it('reports serious and critical faults, and nothing on a clean page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><title>Faults</title><main><img src="x.png"><button></button>' +
        '<p style="color:#eee;background:#fff">faint</p></main></html>',
    );
    const faults = await seriousViolations(page);
    expect(faults.map((f) => f.split(':')[0]).sort()).toEqual(['button-name', 'color-contrast', 'image-alt']);
    await page.setContent('<!doctype html><html lang="en"><title>Clean</title><main><h1>Fine</h1><p>Readable.</p></main></html>');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setContent('<!doctype html><html lang="en"><title>Again</title><main><img src="y.png"></main></html>');
    expect(await seriousViolations(page)).toEqual([expect.stringMatching(/^image-alt:/)]);
  });
});
