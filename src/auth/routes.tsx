import { Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, formFields, redirectAfterPost, renderPage, safeNext } from '../web/http.ts';
import { attemptLogin } from './login.ts';
import { SESSION_COOKIE, createSession, invalidateSession } from './sessions.ts';
import { sessionCookieOptions } from './cookie.ts';
import { changePassword } from './account.ts';
import { DEVICE_COOKIE, deviceCookieOptions, issueDeviceCookie, readDeviceCookie } from './device-cookie.ts';
import { recordAudit } from '../audit/audit.ts';
import { LoginPage } from '../../views/auth/login.tsx';
import { DEMO_LOGINS } from '../demo/people.ts';
import { AccountPage } from '../../views/auth/account.tsx';
import { viewContext } from '../web/context.ts';
import { countOf } from '../intl.ts';

export function authRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  const demoLogins = config.demo ? DEMO_LOGINS : [];

  app.get('/login', (c) => {
    if (c.get('actor')) return c.redirect(safeNext(c.req.query('next'), config.publicUrl));
    return renderPage(c, <LoginPage next={c.req.query('next')} demoLogins={demoLogins} />);
  });

  app.post('/login', async (c) => {
    const form = await formFields(c);
    const email = (form.email ?? '').trim();
    const password = form.password ?? '';
    const next = safeNext(form.next, config.publicUrl);
    if (!email || !password) {
      return renderPage(c, <LoginPage next={next} email={email} error="Enter your email and password." demoLogins={demoLogins} />, 422);
    }
    const now = clock.now();
    const ip = clientIp(c, config.trustProxy);
    const result = await attemptLogin(db, now, email, password, ip, readDeviceCookie(config.appSecret!, getCookie(c, DEVICE_COOKIE)));
    if (!result.ok) {
      const error =
        result.reason === 'throttled'
          ? `Too many failed sign-ins. Try again in ${countOf(Math.ceil((result.retryAfterSeconds ?? 60) / 60), 'minute', 'minutes')}, or call support at 866-281-7636.`
          : result.reason === 'deactivated'
            ? 'This account has been deactivated. Ask your Practice Administrator.'
            : 'That email and password do not match an account.';
      await recordAudit(db, { at: now, actor: { kind: 'anonymous' }, action: 'sign_in.failed', ip, details: { reason: result.reason } });
      if (result.reason === 'throttled') c.header('Retry-After', String(result.retryAfterSeconds ?? 60));
      return renderPage(c, <LoginPage next={next} email={email} error={error} demoLogins={demoLogins} />, result.reason === 'throttled' ? 429 : 422);
    }
    // A fresh token on every sign-in: an old cookie planted before sign-in is never promoted.
    const previous = c.get('session');
    if (previous) await invalidateSession(db, previous.id);
    const { token } = await createSession(db, now, { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs }, result.user.id, {
      ip,
      userAgent: c.req.header('User-Agent'),
    });
    setCookie(c, SESSION_COOKIE, token, sessionCookieOptions(config));
    setCookie(c, DEVICE_COOKIE, issueDeviceCookie(config.appSecret!, result.user.id), deviceCookieOptions(config));
    await recordAudit(db, {
      at: now,
      actor: { kind: result.user.kind, id: result.user.id, practice_id: result.user.practice_id } as never,
      action: 'sign_in',
      recordType: 'user',
      recordId: result.user.id,
      ip,
    });
    return redirectAfterPost(c, next);
  });

  app.post('/logout', async (c) => {
    const session = c.get('session');
    if (session) await invalidateSession(db, session.id);
    deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(config));
    return redirectAfterPost(c, '/login');
  });

  app.get('/account', async (c) => renderPage(c, <AccountPage ctx={await viewContext(c, deps)} />));

  app.post('/account/password', async (c) => {
    const fields = await formFields(c);
    const result = await changePassword(db, currentActor(c), { fields, keepSessionId: c.get('session')!.id, ip: clientIp(c, config.trustProxy), now: clock.now() });
    if (!result.ok) return renderPage(c, <AccountPage ctx={await viewContext(c, deps)} errors={result.errors} />, 422);
    return renderPage(c, <AccountPage ctx={await viewContext(c, deps)} notice="Your password was changed. Every other session was signed out." />);
  });

  return app;
}
