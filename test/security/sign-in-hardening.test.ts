import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, Client, type TestContext } from '../support/context.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed.ts';
import { ConfigError, testConfig } from '../../src/config.ts';
import { DEVICE_COOKIE } from '../../src/auth/device-cookie.ts';

// Issue 12, items 2–4: where sign-in sends you afterwards, whose address the throttle counts behind a
// proxy, and that nobody can lock a user out of the browser they sign in with.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ config: { TRUST_PROXY: '1' } });
});
afterAll(() => t.close());

/** A browser behind the load balancer: the balancer appends `address`; the client may write anything before it. */
class Browser extends Client {
  device: string | undefined;
  constructor(readonly address: string, readonly forged: () => string = () => '') {
    super(t.app);
  }
  async signIn(email: string, password: string, next = '/dashboard') {
    const forwarded = [this.forged(), this.address].filter(Boolean).join(', ');
    const cookie = [this.device ? `${DEVICE_COOKIE}=${this.device}` : ''].filter(Boolean).join('; ');
    const res = await this.app.request('http://localhost:3000/login', {
      method: 'POST',
      headers: { Origin: 'http://localhost:3000', 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': forwarded, ...(cookie ? { Cookie: cookie } : {}) },
      body: new URLSearchParams({ email, password, next }),
    });
    const device = res.headers.get('set-cookie')?.match(new RegExp(`${DEVICE_COOKIE}=([^;]*)`));
    if (device) this.device = device[1];
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), retryAfter: res.headers.get('retry-after'), setCookie: res.headers.get('set-cookie') ?? '' };
  }
}

describe('next after sign-in (item 2)', () => {
  const unsafe = [
    '/%09/evil.example',
    '/\t/evil.example',
    '/%0a/x',
    '/\n/x',
    '/%0d/evil.example',
    '/\r/evil.example',
    '/%0D%0ASet-Cookie:x=1',
    '//evil.example',
    '/\\evil.example',
    '/\\/evil.example',
    '/%5C/evil.example',
    '/%5c%5cevil.example',
    '/%2F/evil.example',
    '/%2f%2fevil.example',
    'https://evil.example/',
    'http://localhost:3000.evil.example/',
    'javascript:alert(1)',
    'data:text/html,hi',
    'evil.example',
    '/%E0%A4%A',
  ];

  it.each(unsafe)('GET /login?next=%j while signed in goes home', async (next) => {
    const owner = await t.as('owner@riverside.example');
    const res = await owner.get(`/login?next=${encodeURIComponent(next)}`);
    expect(res.status).toBe(302);
    expect(res.location).toBe('/');
  });

  it.each(unsafe)('the sign-in POST with next=%j goes home', async (next) => {
    const res = await new Browser('198.51.100.1').signIn('owner@riverside.example', DEMO_PASSWORD, next);
    expect(res.status).toBe(303);
    expect(res.location).toBe('/');
  });

  it('keeps a path on this app, with its query', async () => {
    const owner = await t.as('owner@riverside.example');
    expect((await owner.get(`/login?next=${encodeURIComponent('/tickets?q=knee pain')}`)).location).toBe('/tickets?q=knee%20pain');
    const res = await new Browser('198.51.100.1').signIn('owner@riverside.example', DEMO_PASSWORD, '/patients/1/engagement');
    expect(res.location).toBe('/patients/1/engagement');
  });
});

describe('client address behind a proxy (item 3)', () => {
  it('TRUST_PROXY is a number of hops; true is one, false none', () => {
    expect(testConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(testConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(testConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(testConfig({}).trustProxy).toBe(0);
    expect(() => testConfig({ TRUST_PROXY: 'maybe' })).toThrow(ConfigError);
    expect(() => testConfig({ TRUST_PROXY: '11' })).toThrow(ConfigError);
  });

  it('40 failed sign-ins with varied leftmost entries from one proxy-appended address are throttled, and audited with that address', async () => {
    let n = 0;
    const sprayer = new Browser('203.0.113.9', () => `10.0.${Math.floor(n / 250)}.${n++ % 250}`);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await sprayer.signIn(`nobody${i}@riverside.example`, 'Winter2026!')).status);
    expect(statuses.slice(0, 29)).toEqual(Array(29).fill(422));
    expect(statuses.slice(29)).toEqual(Array(11).fill(429));
    // The right password of a real account from that address is held too (a stranger there).
    expect((await sprayer.signIn('limited@riverside.example', DEMO_PASSWORD)).status).toBe(429);
    const audited = await t.db.selectFrom('audit_log').select('ip').where('action', '=', 'sign_in.failed').where('ip', 'like', '10.0.%').execute();
    expect(audited).toEqual([]);
    const fromProxy = await t.db.selectFrom('audit_log').select('ip').where('action', '=', 'sign_in.failed').where('ip', '=', '203.0.113.9').execute();
    expect(fromProxy.length).toBe(41);
  });

  it('with two hops the client is the second entry from the right', async () => {
    const t2 = await createTestContext({ seed: true, config: { TRUST_PROXY: '2' } });
    try {
      const res = await t2.app.request('http://localhost:3000/login', {
        method: 'POST',
        headers: { Origin: 'http://localhost:3000', 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '6.6.6.6, 192.0.2.44, 10.1.1.1' },
        body: new URLSearchParams({ email: 'owner@riverside.example', password: DEMO_PASSWORD }),
      });
      expect(res.status).toBe(303);
      const row = await t2.db.selectFrom('audit_log').select('ip').where('action', '=', 'sign_in').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(row.ip).toBe('192.0.2.44');
    } finally {
      await t2.close();
    }
  });
});

describe('lockout and device cookies (item 4)', () => {
  it('a stranger is held per account with growing delays, even with the right password', async () => {
    const attacker = new Browser('198.51.100.20');
    for (let i = 0; i < 4; i++) expect((await attacker.signIn('admin@summit.example', 'guess')).status).toBe(422);
    const fifth = await attacker.signIn('admin@summit.example', 'guess');
    expect(fifth.status).toBe(429);
    expect(fifth.retryAfter).toBe('60');
    // Another stranger (a new browser elsewhere) with the right password is held as well.
    expect((await new Browser('198.51.100.21').signIn('admin@summit.example', DEMO_PASSWORD)).status).toBe(429);
    t.clock.advance(1000 * 61);
    const sixth = await attacker.signIn('admin@summit.example', 'guess');
    expect(sixth.status).toBe(429);
    expect(sixth.retryAfter).toBe('120');
    t.clock.advance(1000 * 121);
    expect((await attacker.signIn('admin@summit.example', 'guess')).retryAfter).toBe('240');
    t.clock.advance(1000 * 241);
    expect((await attacker.signIn('admin@summit.example', 'guess')).retryAfter).toBe('480');
    t.clock.advance(1000 * 481);
    expect((await attacker.signIn('admin@summit.example', 'guess')).retryAfter).toBe('900');
    t.clock.advance(1000 * 901);
    expect((await attacker.signIn('admin@summit.example', 'guess')).retryAfter).toBe('900');
    t.clock.advance(1000 * 901);
    expect((await new Browser('198.51.100.21').signIn('admin@summit.example', DEMO_PASSWORD)).status).toBe(303);
  });

  it('the browser that signed in to the account before is not held by the account lockout', async () => {
    const own = new Browser('192.0.2.10');
    const first = await own.signIn('director@riverside.example', DEMO_PASSWORD);
    expect(first.status).toBe(303);
    expect(first.setCookie).toMatch(new RegExp(`${DEVICE_COOKIE}=[^;]+;.*Max-Age=31536000`));
    expect(first.setCookie).toMatch(new RegExp(`${DEVICE_COOKIE}=[^;]+;[^,]*HttpOnly`));
    expect(own.device).toMatch(/^\d+\.[\w-]+\.[\w-]+$/);

    const attacker = new Browser('198.51.100.30');
    for (let i = 0; i < 8; i++) await attacker.signIn('director@riverside.example', 'guess');
    expect((await attacker.signIn('director@riverside.example', DEMO_PASSWORD)).status).toBe(429);
    // Locked for strangers; the user's own browser signs in.
    expect((await own.signIn('director@riverside.example', DEMO_PASSWORD)).status).toBe(303);
    // A typo there is an ordinary "does not match", not a lockout.
    expect((await own.signIn('director@riverside.example', 'typo')).status).toBe(422);
    expect((await own.signIn('director@riverside.example', DEMO_PASSWORD)).status).toBe(303);
  });

  it('the device cookie is bound to its account and to APP_SECRET', async () => {
    const own = new Browser('192.0.2.11');
    expect((await own.signIn('pt@summit.example', DEMO_PASSWORD)).status).toBe(303);
    const attacker = new Browser('198.51.100.31');
    for (let i = 0; i < 5; i++) await attacker.signIn('frontdesk@riverside.example', 'guess');
    // pt's cookie does not vouch for frontdesk's account.
    expect((await own.signIn('frontdesk@riverside.example', DEMO_PASSWORD)).status).toBe(429);
    // A cookie naming frontdesk's id with a made-up signature counts for nothing either.
    const frontdeskId = await t.userId('frontdesk@riverside.example');
    const [, nonce, mac] = own.device!.split('.');
    const forged = new Browser('192.0.2.11');
    forged.device = `${frontdeskId}.${nonce}.${mac}`;
    expect((await forged.signIn('frontdesk@riverside.example', DEMO_PASSWORD)).status).toBe(429);
  });

  it('a device cookie has its own limit: after ten wrong passwords it is a stranger again', async () => {
    const own = new Browser('192.0.2.12');
    expect((await own.signIn('admin@riverside.example', DEMO_PASSWORD)).status).toBe(303);
    for (let i = 0; i < 5; i++) await new Browser('198.51.100.32').signIn('admin@riverside.example', 'guess');
    for (let i = 0; i < 10; i++) expect((await own.signIn('admin@riverside.example', 'guess')).status).toBe(422);
    expect((await own.signIn('admin@riverside.example', DEMO_PASSWORD)).status).toBe(429);
  });

  it('thirty failures behind one office address hold strangers there, not colleagues whose browsers signed in before', async () => {
    const colleague = new Browser('203.0.113.50');
    expect((await colleague.signIn('pt@riverside.example', DEMO_PASSWORD)).status).toBe(303);
    const stranger = new Browser('203.0.113.50');
    for (let i = 0; i < 30; i++) await stranger.signIn(`ghost${i}@summit.example`, 'guess');
    expect((await stranger.signIn('pt@riverside.example', DEMO_PASSWORD)).status).toBe(429);
    expect((await colleague.signIn('pt@riverside.example', DEMO_PASSWORD)).status).toBe(303);
  });
});
