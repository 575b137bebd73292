import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, Client, type TestContext } from '../support/context.ts';
import { can, loadActor, type Actor } from '../../src/auth/permissions.ts';
import { issuePortalLink } from '../../src/portal/links.ts';
import { createPortalSession, PORTAL_COOKIE } from '../../src/portal/sessions.ts';
import { resolveIds, routeTable, type Ids, type RouteRule } from './route-table.ts';

// Every route × every kind of visitor, generated from the app's own route list: the expectation
// comes from route-table.ts (who may use the route) and the permission module (what each person may
// do). A route added without an entry in route-table.ts fails the first test.

const ROLES: { name: string; email?: string; portal?: boolean }[] = [
  { name: 'anonymous' },
  { name: 'frontDesk', email: 'frontdesk@riverside.example' },
  { name: 'clinician', email: 'pt@riverside.example' },
  { name: 'director', email: 'director@riverside.example' },
  { name: 'admin', email: 'admin@riverside.example' },
  { name: 'owner', email: 'owner@riverside.example' },
  { name: 'limited', email: 'limited@riverside.example' },
  { name: 'otherPracticeAdmin', email: 'admin@summit.example' },
  { name: 'vendor', email: 'billing@stratapt.example' },
  { name: 'vendorAdmin', email: 'root@stratapt.example' },
  { name: 'portal', portal: true },
];

let t: TestContext;
let ids: Ids;
let table: Record<string, RouteRule>;
const actors = new Map<string, Actor>();

beforeAll(async () => {
  t = await createTestContext();
  const db = t.db;
  ids = await resolveIds(db);
  table = routeTable(ids);
  for (const r of ROLES) {
    if (!r.email) continue;
    const user = await db.selectFrom('users').selectAll().where('email', '=', r.email).executeTakeFirstOrThrow();
    actors.set(r.name, await loadActor(db, user));
  }
});
afterAll(() => t.close());

function appRoutes(): string[] {
  const seen = new Set<string>();
  for (const r of t.app.routes) if (r.method !== 'ALL') seen.add(`${r.method} ${r.path}`);
  return [...seen].sort();
}

describe('route × role matrix', () => {
  it('has an entry for every route, and none for routes that no longer exist', () => {
    const routes = appRoutes();
    expect(routes.filter((r) => !(r in table)), 'add these routes to test/security/route-table.ts').toEqual([]);
    expect(Object.keys(table).filter((k) => !routes.includes(k)), 'remove these entries from test/security/route-table.ts').toEqual([]);
  });

  it('answers each visitor as the table and the permission module say', async () => {
    const mismatches: string[] = [];
    for (const route of appRoutes()) {
      const rule = table[route];
      if (!rule) continue;
      const method = route.split(' ')[0];
      for (const role of ROLES) {
        const client = await clientFor(role);
        const res =
          method === 'GET'
            ? await client.get(rule.path)
            : await client.post(rule.path, {}, { method });
        const want = expected(rule, role.name, method);
        if (!want.accepts(res.status, res.location, res.text)) {
          mismatches.push(`${route} as ${role.name}: got ${res.status}${res.location ? ` → ${res.location}` : ''}, expected ${want.describe}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 300_000);
});

async function clientFor(role: { name: string; email?: string; portal?: boolean }): Promise<Client> {
  if (role.email) return t.as(role.email);
  if (role.portal) {
    const now = t.clock.now();
    const link = await issuePortalLink(t.db, now, t.config.publicUrl, { practiceId: ids.riverside, patientId: ids.patient });
    const { token } = await createPortalSession(t.db, now, { practiceId: ids.riverside, patientId: ids.patient, linkId: link.id });
    return new Client(t.app, `${PORTAL_COOKIE}=${token}`);
  }
  return t.anonymous();
}

type Expectation = { accepts(status: number, location: string | null, body: string): boolean; describe: string };

const toLogin: Expectation = { accepts: (s, l) => s === 303 && !!l?.startsWith('/login'), describe: '303 → /login' };
const hidden: Expectation = { accepts: (s) => s === 404, describe: '404' };
const exactly = (codes: number[]): Expectation => ({ accepts: (s) => codes.includes(s), describe: codes.join(' or ') });

function allowed(rule: RouteRule, method: string): Expectation {
  if (rule.okStatus !== undefined) return exactly([rule.okStatus].flat());
  if (method === 'GET') return exactly([200]);
  // A state-changing request with an empty form: refused as invalid, or done, but never hidden or failed.
  return { accepts: (s, l) => ![401, 403, 404, 405, 500].includes(s) && !(s === 303 && l?.startsWith('/login')), describe: 'allowed (not 401/403/404/500, not sent to /login)' };
}

function expected(rule: RouteRule, role: string, method: string): Expectation {
  const actor = actors.get(role);
  if ('public' in rule) {
    const e = typeof rule.expect === 'function' ? rule.expect(role) : rule.expect;
    return exactly([e].flat());
  }
  if ('webhook' in rule) return exactly([400, 401, 403]);
  if ('portal' in rule) {
    if (role === 'portal') return allowed(rule, method);
    // Without a portal session: refused, or a page that says to open the link again, never patient data.
    return { accepts: (s, _l, body) => [200, 302, 303, 401, 403, 404].includes(s) && !/Gonzalez|Maria|\$\d/.test(body), describe: 'refused, without patient data' };
  }
  if (!actor) return toLogin;
  if ('staff' in rule) {
    const refused = rule.refused ? exactly([404, ...rule.refused]) : hidden;
    if (actor.kind !== 'staff') return refused;
    if (rule.staff !== true && !can(actor, rule.staff)) return refused;
    if (rule.tenant && actor.practice_id !== ids.riverside) return refused;
    return allowed(rule, method);
  }
  if ('vendor' in rule) {
    const refused = rule.refused ? exactly([404, ...rule.refused]) : hidden;
    if (actor.kind !== 'vendor') return refused;
    if (rule.vendor !== true && !can(actor, rule.vendor)) return refused;
    return allowed(rule, method);
  }
  if ('signedIn' in rule) {
    if (rule.cap && !can(actor, rule.cap)) return hidden;
    return allowed(rule, method);
  }
  return exactly([-1]);
}
