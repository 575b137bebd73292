import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seriousViolations, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
import { issuePortalLink } from '../../src/portal/links.ts';
import { createPortalSession, PORTAL_COOKIE } from '../../src/portal/sessions.ts';
import { resolveIds, routeTable, type RouteRule } from '../security/route-table.ts';

// Every GET page in the app's route list, opened by someone who may see it, passes axe (no serious
// or critical violation) at desktop and phone widths. htmx fragments, CSV and PDF downloads are
// not pages and are left out by their content type.

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];

let h: BrowserHarness;
let pages: { route: string; rule: RouteRule; who: 'admin' | 'vendorAdmin' | 'anonymous' | 'portal' }[];

beforeAll(async () => {
  h = await startBrowserHarness();
  const ids = await resolveIds(h.t.db);
  const table = routeTable(ids);
  const seen = new Set<string>();
  pages = [];
  for (const r of h.t.app.routes) {
    const key = `${r.method} ${r.path}`;
    if (r.method !== 'GET' || seen.has(key)) continue;
    seen.add(key);
    const rule = table[key];
    if (!rule) continue; // the route matrix test fails for it already
    const who = 'portal' in rule ? 'portal' : 'public' in rule || 'webhook' in rule ? 'anonymous' : 'vendor' in rule ? 'vendorAdmin' : 'admin';
    pages.push({ route: key, rule, who });
  }
});
afterAll(() => h.close());

async function pageFor(who: string, width: number, height: number): Promise<Page> {
  const page = await h.newPage({ width, height });
  if (who === 'admin') await h.signIn(page, 'admin@riverside.example');
  if (who === 'vendorAdmin') await h.signIn(page, 'root@stratapt.example');
  if (who === 'portal') {
    const t = h.t;
    const maria = await t.db.selectFrom('patients').select(['id', 'practice_id']).where('first_name', '=', 'Maria').orderBy('id').executeTakeFirstOrThrow();
    const link = await issuePortalLink(t.db, t.clock.now(), t.config.publicUrl, { practiceId: maria.practice_id, patientId: maria.id });
    const { token } = await createPortalSession(t.db, t.clock.now(), { practiceId: maria.practice_id, patientId: maria.id, linkId: link.id });
    await page.context().addCookies([{ name: PORTAL_COOKIE, value: token, url: h.baseUrl + '/portal' }]);
  }
  return page;
}

describe('accessibility of every page', () => {
  for (const w of WIDTHS) {
    it(`passes axe at ${w.name} width (${w.width}px)`, async () => {
      const failures: string[] = [];
      let checked = 0;
      const byWho = new Map<string, Page>();
      for (const p of pages) {
        let page = byWho.get(p.who);
        if (!page) {
          page = await pageFor(p.who, w.width, w.height);
          byWho.set(p.who, page);
        }
        if (/\.(csv|pdf)$|\/attachments\//.test(p.rule.path)) continue; // downloads, not pages
        if (p.rule.path === '/live/tickets') continue; // an event stream for the pages, not a page
        const res = await page.goto(p.rule.path);
        const type = res?.headers()['content-type'] ?? '';
        if (!type.includes('text/html')) continue;
        const html = await res!.text();
        if (!/^<!doctype html>/i.test(html.trimStart())) continue; // an htmx fragment
        checked++;
        for (const v of await seriousViolations(page)) failures.push(`${p.route} (${p.rule.path}) as ${p.who}: ${v}`);
      }
      expect(checked).toBeGreaterThan(20);
      expect(failures).toEqual([]);
    }, 600_000);
  }
});
