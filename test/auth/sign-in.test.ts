import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, Client, type TestContext } from '../support/context.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

async function signIn(email: string, password: string, client = t.anonymous()) {
  const res = await client.post('/login', { email, password, next: '/dashboard' });
  return { res, client };
}

describe('sign-in', () => {
  it('signs in with the right password and lands on the Dashboard', async () => {
    const { res, client } = await signIn('pt@riverside.example', DEMO_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.location).toBe('/dashboard');
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    const page = await client.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Paul Torres');
    expect(page.text).toContain('Create Thread');
  });

  it('refuses a wrong password with a message and no session', async () => {
    const { res, client } = await signIn('pt@riverside.example', 'wrong-password');
    expect(res.status).toBe(422);
    expect(res.text).toContain('do not match');
    expect(res.text).toContain('value="pt@riverside.example"');
    expect(client.cookie).toBeUndefined();
    expect((await client.get('/dashboard')).status).toBe(303);
  });

  it('throttles an account after repeated failures, even with the right password then', async () => {
    for (let i = 0; i < 4; i++) expect((await signIn('director@riverside.example', 'nope')).res.status).toBe(422);
    const fifth = await signIn('director@riverside.example', 'nope');
    expect(fifth.res.status).toBe(429);
    expect(fifth.res.text).toContain('Too many failed sign-ins. Try again in 1 minute,');
    const right = await signIn('director@riverside.example', DEMO_PASSWORD);
    expect(right.res.status).toBe(429);
    t.clock.advanceMinutes(1);
    // Each further failure doubles the wait (src/auth/throttle.ts).
    const sixth = await signIn('director@riverside.example', 'nope');
    expect(sixth.res.status).toBe(429);
    expect(sixth.res.text).toContain('Try again in 2 minutes,');
    t.clock.advanceMinutes(16);
    const later = await signIn('director@riverside.example', DEMO_PASSWORD);
    expect(later.res.status).toBe(303);
  });

  it('refuses a deactivated user and ends their sessions', async () => {
    const fiona = await t.as('frontdesk@riverside.example');
    expect((await fiona.get('/dashboard')).status).toBe(200);
    const admin = await t.as('admin@riverside.example');
    const id = await t.userId('frontdesk@riverside.example');
    const res = await admin.post(`/settings/staff/${id}`, { name: 'Fiona Desmond', email: 'frontdesk@riverside.example', role: '1' });
    expect(res.status).toBe(303);
    expect((await fiona.get('/dashboard')).status).toBe(303);
    const again = await signIn('frontdesk@riverside.example', DEMO_PASSWORD);
    expect(again.res.status).toBe(422);
    expect(again.res.text).toContain('deactivated');
    await admin.post(`/settings/staff/${id}`, { name: 'Fiona Desmond', email: 'frontdesk@riverside.example', role: '1', active: 'on' });
  });

  it('expires a session after 30 idle minutes, and slides while in use', async () => {
    const c = await t.as('owner@riverside.example');
    t.clock.advanceMinutes(25);
    expect((await c.get('/dashboard')).status).toBe(200);
    t.clock.advanceMinutes(25);
    expect((await c.get('/dashboard')).status).toBe(200);
    t.clock.advanceMinutes(31);
    const res = await c.get('/dashboard');
    expect(res.status).toBe(303);
    expect(res.location).toContain('/login');
  });

  it('ends a session at its absolute lifetime even while in use', async () => {
    const c = await t.as('owner@riverside.example');
    for (let i = 0; i < 12 * 3; i++) {
      t.clock.advanceMinutes(20);
      const res = await c.get('/dashboard');
      if (i < 35) expect(res.status).toBe(200);
      else expect(res.status).toBe(303);
    }
  });

  it('signs out', async () => {
    const c = await t.as('owner@riverside.example');
    const res = await c.post('/logout');
    expect(res.status).toBe(303);
    expect((await c.get('/dashboard')).status).toBe(303);
  });

  it('never lets one user\'s cookie act with another user\'s CSRF token', async () => {
    const paul = await t.as('pt@riverside.example');
    const adam = await t.as('admin@riverside.example');
    const forged = new Client(t.app, paul.cookie, adam.csrf);
    const res = await forged.post('/account/password', { current: DEMO_PASSWORD, password: 'another-password-1', confirm: 'another-password-1' });
    expect(res.status).toBe(403);
    // Paul's session still shows Paul, never Adam.
    expect((await paul.get('/account')).text).toContain('Paul Torres');
    expect((await paul.get('/account')).text).not.toContain('Adam Alvarez');
  });

  it('refuses a cross-origin form post', async () => {
    const c = await t.as('admin@riverside.example');
    const res = await c.post('/settings/staff', { name: 'Evil', email: 'evil@example.com', role: '1', password: 'long-enough-password' }, { headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    const row = await t.db.selectFrom('users').select('id').where('email', '=', 'evil@example.com').executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('refuses a post without the CSRF token', async () => {
    const c = await t.as('admin@riverside.example');
    const res = await c.post('/settings/staff', { name: 'Nobody', email: 'nobody@example.com', role: '1', password: 'long-enough-password' }, { csrf: false });
    expect(res.status).toBe(403);
  });

  it('signs out every other session when the password changes', async () => {
    const first = await t.as('pt@summit.example');
    const second = await t.as('pt@summit.example');
    const res = await first.post('/account/password', { current: DEMO_PASSWORD, password: 'a-new-password-22', confirm: 'a-new-password-22' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Every other session was signed out');
    expect((await first.get('/dashboard')).status).toBe(200);
    expect((await second.get('/dashboard')).status).toBe(303);
    expect((await signIn('pt@summit.example', 'a-new-password-22')).res.status).toBe(303);
  });

  it('keeps what was typed and says what is wrong on a bad password change', async () => {
    const c = await t.as('owner@riverside.example');
    const res = await c.post('/account/password', { current: 'bad', password: 'short', confirm: 'different' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Use at least 12 characters.');
  });
});
