import { liveRoutes } from './live/routes.ts';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { requestId } from 'hono/request-id';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, deleteCookie } from 'hono/cookie';
import { serveStatic } from '@hono/node-server/serve-static';
import type { AppDeps, AppEnv } from './web/types.ts';
import { isPublicPath } from './web/guards.ts';
import { NotFound } from './web/errors.ts';
import { readMultipartForm } from './web/multipart.ts';
import { Forbidden } from './auth/permissions.ts';
import { SESSION_COOKIE } from './auth/sessions.ts';
import { loadSignedInRequest } from './web/context.ts';
import { csrfTokenMatches, maskedCsrfTokenFor } from './web/csrf.ts';
import { renderPage, isHtmx } from './web/http.ts';
import { ErrorPage } from '../views/layouts/error.tsx';
import { healthRoutes } from './web/health-routes.ts';
import { compressResponses } from './web/compress.ts';
import { httpMetrics, metricsRoutes } from './web/metrics.ts';
import { authRoutes } from './auth/routes.tsx';
import { homeRoutes } from './web/home-routes.tsx';
import { staffRoutes } from './staff/routes.tsx';
import { ticketRoutes } from './tickets/routes.tsx';
import { sessionCookieOptions } from './auth/cookie.ts';
import { emergencyRoutes } from './emergency/routes.tsx';
import { reportRoutes } from './reports/routes.tsx';
import { patientStatementRoutes, printBatchRoutes } from './statements/routes.tsx';
import { practiceAuditRoutes, vendorAuditRoutes } from './audit/routes.tsx';
import { consoleRoutes } from './console/routes.tsx';
import { notificationPreferenceRoutes, setPasswordRoutes } from './console/public-routes.tsx';
import { feedbackRoutes } from './feedback/routes.tsx';
import { portalRoutes } from './portal/routes.tsx';
import { paymentSettingsRoutes, authorizeNetWebhookRoutes } from './payments/routes.tsx';
import { patientRoutes } from './patients/routes.tsx';
import { importRoutes } from './imports/routes.tsx';
import { engagementSettingsRoutes } from './engagement-settings/routes.tsx';
import { engagementRoutes } from './engagement/routes.tsx';
import { webhookRoutes } from './messaging/webhook-routes.tsx';
import { sentMessagesRoutes, jobsRoutes } from './messaging/routes.tsx';
import { appointmentReplyRoutes, dayListRoutes } from './reminders/routes.tsx';

/** The largest request body accepted anywhere: five 10 MB attachments would not fit, a 20 MB import does. */
export const MAX_REQUEST_BYTES = 30 * 1024 * 1024;

export function createApp(deps: AppDeps) {
  const { config, logger, clock, db } = deps;
  const app = new Hono<AppEnv>();
  const secret = config.appSecret!;

  app.use(requestId());
  app.use(httpMetrics);
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    logger.info({
      reqId: c.get('requestId'),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      user: c.get('actor')?.id,
    }, 'request');
  });
  app.use(compressResponses());
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'", new URL(config.authorizeNet.hostedUrl).origin],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
      strictTransportSecurity: config.publicUrl.startsWith('https:') ? 'max-age=63072000; includeSubDomains' : false,
      // Set below, only where a route has not chosen a stricter one.
      referrerPolicy: false,
    }),
  );
  // The portal and set-password pages carry a secret in their URL and answer no-referrer; secureHeaders
  // would overwrite that on the way out, so the default is applied only when a route set none.
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has('Referrer-Policy')) c.res.headers.set('Referrer-Policy', 'same-origin');
  });
  app.use('/static/*', async (c, next) => {
    await next();
    if (c.res.ok) c.header('Cache-Control', 'public, max-age=3600');
  });
  app.use('/static/*', serveStatic({ root: './' }));

  // No request body beyond this reaches a handler (or the CSRF check, which reads form bodies):
  // an oversized upload is refused with a clear page before it is buffered. A GET or HEAD has no
  // body to limit, and asking for one builds the request's full Fetch Request (its URL parsed, an
  // AbortSignal, a Headers copy): a tenth of a millisecond of every page, so those pass straight on.
  const limitBody = bodyLimit({
    maxSize: MAX_REQUEST_BYTES,
    onError: async (c) => {
      logger.warn({ reqId: c.get('requestId'), route: c.req.path, status: 413 }, 'request body too large');
      const page = await String(<ErrorPage actor={null} title="Upload too large" message={`The upload is larger than ${MAX_REQUEST_BYTES / 1024 / 1024} MB in total. Attach fewer or smaller files, or split an import into several files.`} />);
      return c.html('<!doctype html>' + page, 413);
    },
  });
  app.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  // Origin check for state-changing form posts. Provider webhooks post without an Origin and
  // verify their own signatures instead.
  const publicOrigin = new URL(config.publicUrl).origin;
  app.use('*', async (c, next) => {
    // One-click unsubscribe (RFC 8058) is posted by the mail provider, without an Origin; the link's signed token is the proof.
    if (c.req.path.startsWith('/webhooks/') || c.req.path.startsWith('/unsubscribe/')) return next();
    return csrf({ origin: (origin) => origin === publicOrigin || origin === new URL(c.req.url).origin })(c, next);
  });

  // Session: sliding expiry, the actor loaded once per request, the CSRF token bound to it.
  app.use('*', async (c, next) => {
    c.set('actor', null);
    c.set('session', null);
    c.set('csrf', '');
    c.set('menu', null);
    const token = getCookie(c, SESSION_COOKIE);
    if (token && !c.req.path.startsWith('/static/')) {
      // One statement: the session, the actor and, for a GET (which may render a page), the menu's counts.
      const policy = { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs };
      const signedIn = await loadSignedInRequest(db, clock.now(), policy, token, { withMenu: c.req.method === 'GET' || c.req.method === 'HEAD' });
      if (signedIn) {
        c.set('session', signedIn.session);
        c.set('actor', signedIn.actor);
        c.set('menu', signedIn.menu);
        c.set('csrf', maskedCsrfTokenFor(secret, signedIn.session.id));
      } else {
        deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(config));
      }
    }
    await next();
  });

  // Secure by default: only the paths named in guards.ts are reachable signed out.
  app.use('*', async (c, next) => {
    if (isPublicPath(c.req.path)) return next();
    if (!c.get('actor')) {
      const next = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/';
      const location = `/login?next=${encodeURIComponent(next)}`;
      if (isHtmx(c)) {
        c.header('HX-Redirect', location);
        return c.body(null, 401);
      }
      return c.redirect(location, 303);
    }
    const session = c.get('session')!;
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      await readMultipartForm(c);
      let presented = c.req.header('X-CSRF-Token');
      if (!presented) {
        const type = c.req.header('Content-Type') ?? '';
        if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
          const field = (await c.req.parseBody())['_csrf'];
          presented = typeof field === 'string' ? field : undefined;
        }
      }
      if (!csrfTokenMatches(secret, session.id, presented)) {
        return c.text('This form has expired. Go back, reload the page and try again.', 403);
      }
    }
    c.header('Cache-Control', 'no-store');
    await next();
  });

  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/', authRoutes(deps));
  app.route('/', homeRoutes(deps));
  app.route('/settings/staff', staffRoutes(deps));
  app.route('/tickets', ticketRoutes(deps));
  app.route('/', liveRoutes(deps));
  app.route('/settings/patient-engagement', engagementSettingsRoutes(deps));
  app.route('/', engagementRoutes(deps));
  app.route('/', webhookRoutes(deps));
  app.route('/vendor/messages', sentMessagesRoutes(deps));
  app.route('/vendor/jobs', jobsRoutes(deps));
  app.route('/patients/import', importRoutes(deps));
  app.route('/patients', patientRoutes(deps));
  app.route('/settings/audit', practiceAuditRoutes(deps));
  app.route('/vendor/audit', vendorAuditRoutes(deps));
  app.route('/vendor', consoleRoutes(deps));
  app.route('/feedback', feedbackRoutes(deps));
  app.route('/set-password', setPasswordRoutes(deps));
  app.route('/account/notifications', notificationPreferenceRoutes(deps));
  app.route('/portal', portalRoutes(deps));
  app.route('/settings/payments', paymentSettingsRoutes(deps));
  app.route('/webhooks/authorize-net', authorizeNetWebhookRoutes(deps));
  app.route('/emergency', emergencyRoutes(deps));
  app.route('/appointment-replies', appointmentReplyRoutes(deps));
  app.route('/appointments', dayListRoutes(deps));
  app.route('/reports', reportRoutes(deps));
  app.route('/patients', patientStatementRoutes(deps));
  app.route('/vendor/print-batches', printBatchRoutes(deps));

  app.notFound((c) => renderPage(c, <ErrorPage actor={c.get('actor')} title="Not found" message="There is nothing here, or you do not have access to it." />, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      logger.warn({ reqId: c.get('requestId'), status: err.status, route: c.req.routePath }, 'request refused');
      return err.getResponse();
    }
    if (err instanceof NotFound || err instanceof Forbidden) {
      return renderPage(c, <ErrorPage actor={c.get('actor')} title="Not found" message="There is nothing here, or you do not have access to it." />, 404);
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn({ reqId: c.get('requestId'), err: { message: err.message, code: (err as { code?: string }).code } }, 'database unavailable');
      c.header('Retry-After', '5');
      return renderPage(c, <ErrorPage actor={null} title="Temporarily unavailable" message="The service cannot reach its database. Please try again in a moment." />, 503);
    }
    logger.error({ reqId: c.get('requestId'), err: { message: err.message, stack: err.stack } }, 'unhandled error');
    return renderPage(c, <ErrorPage actor={null} title="Something went wrong" message={`The error was logged with reference ${c.get('requestId')}.`} />, 500);
  });
  return app;
}

function isDatabaseUnavailable(err: Error): boolean {
  // pg reports a lost connection in several shapes: a server code, a socket code, or only a message
  // (a pooled client whose socket died says it "is not queryable"); a wrapped error carries it as its cause.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: string }).code ?? '';
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '57P05', '08000', '08003', '08006'].includes(code)) return true;
    if (/Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|not queryable|terminating connection|Client was closed|server closed the connection/i.test(e.message)) return true;
  }
  return false;
}
