import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, Client, type TestContext } from '../support/context.ts';
import { SESSION_COOKIE, createSession, sessionIdFromToken } from '../../src/auth/sessions.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed.ts';
import { issuePortalLink } from '../../src/portal/links.ts';

// CSRF on every state-changing route, SQL metacharacters in every search box, session fixation,
// cookie flags, the CSP header on every page, sign-in and portal throttling, secrets kept out of logs.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

function routes(filter: (method: string, path: string) => boolean): string[][] {
  const seen = new Set<string>();
  for (const r of t.app.routes) if (r.method !== 'ALL' && filter(r.method, r.path)) seen.add(`${r.method} ${r.path}`);
  return [...seen].sort().map((k) => k.split(' '));
}

/** A concrete path for a route pattern: ids become 1, tokens a random-looking string. */
function concrete(path: string): string {
  return path
    .replace(/:(\w+)\{[^}]*\\\.(\w+)\}/g, '1.$2')
    .replace(/:(\w+)\{[^}]*\}/g, '1')
    .replace(/:token/g, 'abcdefghijklmnop')
    .replace(/:kind/g, 'appointment_reminder')
    .replace(/:channel/g, 'email')
    .replace(/:department/g, 'billing')
    .replace(/:name/g, 'session-cleanup')
    .replace(/:ref/g, 'ref1')
    .replace(/:\w+/g, '1');
}

describe('CSRF', () => {
  it('refuses every state-changing route without the session token, and from another origin', async () => {
    const admin = await t.as('admin@riverside.example');
    const root = await t.as('root@stratapt.example');
    const failures: string[] = [];
    // Exempt by design: provider webhooks (signed), and RFC 8058 one-click unsubscribe, which mail
    // providers post from their own origin; its signed token is the protection.
    for (const [method, path] of routes((m, p) => m !== 'GET' && !p.startsWith('/webhooks/') && !p.startsWith('/unsubscribe/'))) {
      const url = concrete(path);
      const client = path.startsWith('/vendor') ? root : admin;
      // A signed-in user's form without the token (public forms have no session token to miss).
      if (!['/login', '/portal', '/set-password', '/unsubscribe', '/appointment-replies'].some((p) => path.startsWith(p))) {
        const noToken = await client.post(url, { name: 'x' }, { csrf: false, method });
        if (noToken.status !== 403) failures.push(`${method} ${path} without token: ${noToken.status}`);
      }
      // The right token, but posted from another site.
      const crossSite = await client.post(url, { name: 'x' }, { method, headers: { Origin: 'https://evil.example' } });
      if (crossSite.status !== 403) failures.push(`${method} ${path} cross-origin: ${crossSite.status}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('changes nothing when refused', async () => {
    const admin = await t.as('admin@riverside.example');
    const before = await t.db.selectFrom('users').select(['name']).where('email', '=', 'frontdesk@riverside.example').executeTakeFirstOrThrow();
    const id = await t.userId('frontdesk@riverside.example');
    const res = await admin.post(`/settings/staff/${id}`, { name: 'Changed By Attacker', email: 'frontdesk@riverside.example', role: '1', active: 'on' }, { headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    const after = await t.db.selectFrom('users').select(['name']).where('email', '=', 'frontdesk@riverside.example').executeTakeFirstOrThrow();
    expect(after.name).toBe(before.name);
  });
});

describe('SQL metacharacters in every search box', () => {
  const payloads = ["'", "' OR '1'='1", "%", "_", "\\", "'; drop table patients; --", '"', 'Robert\'); DROP TABLE tickets;--', '%%%_\\%', '\u00e9\u00f1 😀', 'a'.repeat(500)];
  const searches: { as: string; path: (q: string) => string }[] = [
    { as: 'admin@riverside.example', path: (q) => `/patients?q=${q}` },
    { as: 'admin@riverside.example', path: (q) => `/tickets?q=${q}` },
    { as: 'admin@riverside.example', path: (q) => `/tickets/new/patients?q=${q}` },
    { as: 'admin@riverside.example', path: (q) => `/tickets/new/similar?subject=${q}` },
    { as: 'admin@riverside.example', path: (q) => `/feedback/similar?title=${q}` },
    { as: 'admin@riverside.example', path: (q) => `/feedback?q=${q}` },
    { as: 'admin@riverside.example', path: (q) => `/settings/audit?action=${q}&actor=${q}&record_type=${q}&record_id=${q}` },
    { as: 'root@stratapt.example', path: (q) => `/vendor/audit?action=${q}&actor=${q}` },
    { as: 'root@stratapt.example', path: (q) => `/vendor/queues/billing?q=${q}` },
    { as: 'root@stratapt.example', path: (q) => `/vendor/messages?q=${q}` },
    { as: 'root@stratapt.example', path: (q) => `/vendor/practices?q=${q}` },
  ];
  it('treats them as text: no error, no leak, tables intact', async () => {
    const failures: string[] = [];
    for (const s of searches) {
      const client = await t.as(s.as);
      for (const p of payloads) {
        const res = await client.get(s.path(encodeURIComponent(p)));
        if (![200, 422].includes(res.status)) failures.push(`${s.path(p).slice(0, 60)} → ${res.status}`);
        // Random tokens (the CSRF token, masked per response; the portal links in messages the page lists)
        // may spell "pg_" by chance: leave out every base64url run of 16 or more characters holding an
        // upper-case letter or a digit, which PostgreSQL's error texts (lower-case names) never do.
        const text = res.text.replace(/name="_csrf" value="[^"]*"|X-CSRF-Token&quot;:&quot;[\w-]*/g, '').replace(/[\w-]{16,}/g, (run) => (/[A-Z0-9]/.test(run) ? '' : run));
        const leak = /syntax error|unterminated|pg_|at character/i.exec(text);
        if (leak) failures.push(`${s.path(p).slice(0, 60)} leaks a database error: …${text.slice(Math.max(0, leak.index - 60), leak.index + 40)}…`);
      }
    }
    expect(failures).toEqual([]);
    const patients = await sql<{ n: number }>`select count(*)::int as n from patients`.execute(t.db);
    const tickets = await sql<{ n: number }>`select count(*)::int as n from tickets`.execute(t.db);
    expect(patients.rows[0].n).toBeGreaterThan(20);
    expect(tickets.rows[0].n).toBeGreaterThan(0);
    expect(t.logLines.filter((l) => l.includes('unhandled error'))).toEqual([]);
  }, 120_000);
});

describe('sessions and cookies', () => {
  it('never keeps a session id planted before sign-in (fixation)', async () => {
    // An attacker's own valid session, planted in the victim's browser, is replaced and ended at sign-in.
    const attacker = await createSession(t.db, t.clock.now(), { idleMs: t.config.sessionIdleMs, maxMs: t.config.sessionMaxMs }, await t.userId('frontdesk@riverside.example'));
    const victim = new Client(t.app, `${SESSION_COOKIE}=${attacker.token}`);
    const res = await victim.post('/login', { email: 'owner@riverside.example', password: DEMO_PASSWORD }, { csrf: false });
    expect(res.status).toBe(303);
    const issued = res.headers.get('set-cookie')!.match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))![1];
    expect(issued).not.toBe(attacker.token);
    const planted = await t.db.selectFrom('sessions').select('id').where('id', '=', sessionIdFromToken(attacker.token)).executeTakeFirst();
    expect(planted).toBeUndefined();
    // A made-up cookie value is never adopted either.
    const made = new Client(t.app, `${SESSION_COOKIE}=chosen-by-attacker`);
    const again = await made.post('/login', { email: 'owner@riverside.example', password: DEMO_PASSWORD }, { csrf: false });
    expect(again.headers.get('set-cookie')).not.toContain('chosen-by-attacker');
  });

  it('sets HttpOnly, SameSite=Lax and Path=/ on the session cookie, Secure and HSTS behind https', async () => {
    const res = await t.anonymous().post('/login', { email: 'owner@riverside.example', password: DEMO_PASSWORD });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    const https = await createTestContext({ seed: true, config: { PUBLIC_URL: 'https://strata.example' } });
    try {
      const secure = await new Client(https.app).send('/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://strata.example' },
        body: new URLSearchParams({ email: 'owner@riverside.example', password: DEMO_PASSWORD }),
      });
      expect(secure.status).toBe(303);
      expect(secure.headers.get('set-cookie')).toMatch(/Secure/i);
      expect(secure.headers.get('strict-transport-security')).toContain('max-age=');
    } finally {
      await https.close();
    }
  });
});

describe('Content-Security-Policy', () => {
  it('is on every page, forbids inline script and style, and no page needs either', async () => {
    const admin = await t.as('admin@riverside.example');
    const root = await t.as('root@stratapt.example');
    const failures: string[] = [];
    for (const [, path] of routes((m) => m === 'GET')) {
      const client = path.startsWith('/vendor') ? root : path.startsWith('/portal') || path.startsWith('/login') ? t.anonymous() : admin;
      const res = await client.get(concrete(path));
      const csp = res.headers.get('content-security-policy') ?? '';
      if (!csp.includes("script-src 'self'") || !csp.includes("style-src 'self'") || csp.includes('unsafe-inline') || !csp.includes("frame-ancestors 'none'")) {
        failures.push(`${path}: CSP ${csp || 'missing'}`);
      }
      if ((res.headers.get('content-type') ?? '').includes('text/html')) {
        if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(res.text)) failures.push(`${path}: inline <script>`);
        if (/\sstyle="/i.test(res.text)) failures.push(`${path}: style="" attribute`);
        if (/\son[a-z]+="/i.test(res.text)) failures.push(`${path}: inline event handler`);
        if (/\shx-on[:-]/i.test(res.text)) failures.push(`${path}: hx-on attribute (needs eval)`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('throttling', () => {
  it('locks an account after 5 failed sign-ins, even for the right password, and says when to retry', async () => {
    const c = t.anonymous();
    for (let i = 0; i < 5; i++) await c.post('/login', { email: 'director@riverside.example', password: `wrong-${i}` });
    const blocked = await c.post('/login', { email: 'director@riverside.example', password: DEMO_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
    expect(blocked.headers.get('set-cookie') ?? '').not.toContain(SESSION_COOKIE + '=');
    t.clock.advanceMinutes(16);
    const later = await c.post('/login', { email: 'director@riverside.example', password: DEMO_PASSWORD });
    expect(later.status).toBe(303);
  });

  it('locks a portal link after repeated wrong dates of birth', async () => {
    const maria = await t.db.selectFrom('patients').selectAll().where('first_name', '=', 'Maria').orderBy('id').executeTakeFirstOrThrow();
    const link = await issuePortalLink(t.db, t.clock.now(), t.config.publicUrl, { practiceId: maria.practice_id, patientId: maria.id });
    const path = new URL(link.url).pathname;
    const c = t.anonymous();
    let last = await c.get(path);
    expect(last.status).toBe(200);
    for (let i = 0; i < 10 && !/locked/i.test(last.text); i++) {
      last = await c.post(path, { month: '01', day: '01', year: '1901' });
    }
    expect(last.text).toMatch(/locked/i);
    const [y, m, d] = maria.date_of_birth.split('-');
    const right = await c.post(path, { month: m, day: d, year: y });
    expect(right.status).not.toBe(303);
    expect(right.text).toMatch(/locked/i);
    expect(right.text).not.toContain('Gonzalez');
  });
});

describe('secrets never reach the logs', () => {
  it('after a sign-in and an Authorize.net settings save', async () => {
    const secrets = { password: DEMO_PASSWORD, apiLogin: 'LOGIN9x8y7z', txKey: 'TXKEY1234567890ab', sigKey: 'A1B2C3D4E5F6'.repeat(10) };
    const signIn = await t.anonymous().post('/login', { email: 'admin@riverside.example', password: secrets.password });
    expect(signIn.status).toBe(303);
    const token = signIn.headers.get('set-cookie')!.match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))![1];
    const admin = await t.as('admin@riverside.example');
    const save = await admin.post('/settings/payments', { api_login_id: secrets.apiLogin, transaction_key: secrets.txKey, signature_key: secrets.sigKey });
    expect([200, 303, 422]).toContain(save.status);
    const logs = t.logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of [...Object.values(secrets), token, admin.csrf!, t.config.appSecret!, admin.cookie!.split('=')[1]]) {
      expect(logs.includes(s), `a secret reached the logs`).toBe(false);
    }
    expect(logs).not.toContain('admin@riverside.example');
  });
});
