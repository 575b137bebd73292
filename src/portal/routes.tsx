import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, formFields, pdfResponse, redirectAfterPost, renderPage } from '../web/http.ts';
import { csrfTokenMatches, maskedCsrfTokenFor } from '../web/csrf.ts';
import { openPortalLink, parseDateOfBirth, practiceContact, verifyPortalDateOfBirth, type LinkState } from './access.ts';
import { PORTAL_COOKIE, PORTAL_SESSION_MAX_MS, deletePortalSession, validatePortalSession, type PortalSession } from './sessions.ts';
import { cancelPaymentRequest, createPaymentRequest, findPaymentRequest, hostedPaymentForm, portalAccount } from './account.ts';
import { confirmReturn } from '../payments/posting.ts';
import { portalCaseDetail, portalReceipt, portalStatementPdf, renderReceiptPdf } from './documents.ts';
import { CaseDetailPage, ReceiptPage } from '../../views/portal/documents.tsx';
import { PortalNotificationsPage } from '../../views/portal/notifications.tsx';
import { portalBalanceAlerts, setPortalBalanceAlert } from './consent.ts';
import { practiceClient } from '../payments/settings.ts';
import {
  AccountPage,
  CancelPaymentPage,
  DateOfBirthPage,
  DeadLinkPage,
  ExpiredLinkPage,
  HostedFormPage,
  InvalidLinkPage,
  LockedLinkPage,
  ReturnPage,
  SessionEndedPage,
} from '../../views/portal/pages.tsx';

// The patient portal: public by name in guards.ts, guarded by the link token, the date of birth
// and then a short session cookie scoped to /portal. Nothing here may be cached.

type PortalEnv = AppEnv & { Variables: AppEnv['Variables'] & { portalSession: PortalSession | null } };

export function portalRoutes(deps: AppDeps) {
  const { db, clock, config, logger } = deps;
  const secret = config.appSecret!;
  const app = new Hono<PortalEnv>();
  const ip = (c: Context) => clientIp(c, config.trustProxy);
  const portalCsrf = (s: PortalSession) => maskedCsrfTokenFor(secret, `portal:${s.id}`);

  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('Cache-Control', 'no-store, max-age=0');
    c.res.headers.set('Pragma', 'no-cache');
    c.res.headers.set('Referrer-Policy', 'no-referrer');
    c.res.headers.set('X-Robots-Tag', 'noindex, nofollow');
  });

  app.use('*', async (c, next) => {
    c.set('portalSession', await validatePortalSession(db, clock.now(), getCookie(c, PORTAL_COOKIE)));
    if (c.req.method === 'POST' && c.get('portalSession') && !/^\/portal\/[A-Za-z0-9_-]{20,}$/.test(c.req.path)) {
      const field = (await c.req.parseBody())['_csrf'];
      if (!csrfTokenMatches(secret, `portal:${c.get('portalSession')!.id}`, typeof field === 'string' ? field : undefined)) {
        return c.text('This form has expired. Go back, reload the page and try again.', 403);
      }
    }
    await next();
  });

  const sessionOr = async (c: Context<PortalEnv>) => {
    const s = c.get('portalSession');
    if (!s) return null;
    return s;
  };
  const ended = (c: Context<PortalEnv>) => renderPage(c, <SessionEndedPage />, 200);

  app.get('/account', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const account = await portalAccount(db, s, clock.now(), { ip: ip(c) });
    const notice = c.req.query('paid') ? 'Thank you. Your payment was received.' : c.req.query('cancelled') ? 'The payment was cancelled; nothing was charged.' : undefined;
    return renderPage(c, <AccountPage account={account} csrf={portalCsrf(s)} notice={notice} />);
  });

  // What the patient can keep: statements, receipts, and the lines behind each case (documents.ts).
  app.get('/statements/:id{[0-9]+\\.pdf}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const doc = await portalStatementPdf(db, s, parseInt(c.req.param('id'), 10), clock.now(), ip(c));
    if (!doc) return renderPage(c, <InvalidLinkPage />, 404);
    return pdfResponse(c, doc.pdf, doc.filename, 'attachment');
  });

  app.get('/receipts/:id{[0-9]+}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const receipt = await portalReceipt(db, s, Number(c.req.param('id')), clock.now(), ip(c));
    if (!receipt) return renderPage(c, <InvalidLinkPage />, 404);
    return renderPage(c, <ReceiptPage receipt={receipt} csrf={portalCsrf(s)} />);
  });

  app.get('/receipts/:id{[0-9]+\\.pdf}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const receipt = await portalReceipt(db, s, parseInt(c.req.param('id'), 10), clock.now(), ip(c));
    if (!receipt) return renderPage(c, <InvalidLinkPage />, 404);
    return pdfResponse(c, await renderReceiptPdf(receipt), `receipt-${receipt.id}.pdf`, 'attachment');
  });

  app.get('/cases/:id{[0-9]+}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const detail = await portalCaseDetail(db, s, Number(c.req.param('id')), clock.now(), ip(c));
    if (!detail) return renderPage(c, <InvalidLinkPage />, 404);
    return renderPage(c, <CaseDetailPage detail={detail} practice={await practiceContact(db, s.practiceId)} csrf={portalCsrf(s)} />);
  });

  // The patient's own balance alerts (consent.ts).
  app.get('/notifications', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const alerts = await portalBalanceAlerts(db, s);
    return renderPage(c, <PortalNotificationsPage {...alerts} csrf={portalCsrf(s)} notice={c.req.query('saved') ? 'Saved.' : undefined} />);
  });

  app.post('/notifications', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const form = await formFields(c);
    const channel = form.channel === 'sms' || form.channel === 'email' ? form.channel : null;
    if (!channel || !['on', 'off'].includes(form.subscribed ?? '')) return renderPage(c, <InvalidLinkPage />, 404);
    const result = await setPortalBalanceAlert(db, s, { channel, subscribed: form.subscribed === 'on' }, clock.now());
    if (!result.ok) {
      const alerts = await portalBalanceAlerts(db, s);
      return renderPage(c, <PortalNotificationsPage {...alerts} csrf={portalCsrf(s)} error={{ channel, text: result.error }} />, 422);
    }
    if (result.changed) logger.info({ reqId: c.get('requestId'), channel, subscribed: form.subscribed === 'on' }, 'balance alerts changed from the portal');
    return redirectAfterPost(c, '/portal/notifications?saved=1');
  });

  app.post('/payments', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const form = await formFields(c);
    const result = await createPaymentRequest(db, s, form, clock.now(), { ip: ip(c) });
    if (!result.ok) {
      const account = await portalAccount(db, s, clock.now(), { ip: ip(c) });
      return renderPage(c, <AccountPage account={account} csrf={portalCsrf(s)} pay={{ values: result.values, errors: result.errors }} />, 422);
    }
    return redirectAfterPost(c, `/portal/payments/${result.refId}`);
  });

  app.get('/payments/:ref', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const request = await findPaymentRequest(db, s, c.req.param('ref'));
    if (!request) return renderPage(c, <InvalidLinkPage />, 404);
    if (request.status !== 'pending') return c.redirect('/portal/account', 303);
    const form = await hostedPaymentForm(db, config, s, request);
    const practice = await practiceContact(db, s.practiceId);
    return renderPage(c, <HostedFormPage practice={practice} csrf={portalCsrf(s)} request={request} form={form} />);
  });

  app.get('/return', async (c) => {
    const ref = c.req.query('ref') ?? '';
    const outcome = await confirmReturn(
      db,
      (practiceId) => practiceClient(db, config, practiceId),
      ref,
      clock.now(),
      logger,
    );
    const s = c.get('portalSession');
    if (s && outcome.patientId === s.patientId && outcome.practiceId === s.practiceId) {
      return c.redirect(outcome.status === 'paid' ? '/portal/account?paid=1' : '/portal/account', 303);
    }
    return renderPage(c, <ReturnPage status={outcome.status} />);
  });

  // Authorize.net's cancel link is a GET: it only shows the button; the POST changes the request.
  app.get('/cancel', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const practice = await practiceContact(db, s.practiceId);
    return renderPage(c, <CancelPaymentPage practice={practice} csrf={portalCsrf(s)} refId={c.req.query('ref') ?? ''} />);
  });

  app.post('/cancel', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const form = await formFields(c);
    await cancelPaymentRequest(db, s, form.ref ?? '', clock.now());
    return redirectAfterPost(c, '/portal/account?cancelled=1');
  });

  app.post('/sign-out', async (c) => {
    const s = c.get('portalSession');
    if (s) await deletePortalSession(db, s.id);
    deleteCookie(c, PORTAL_COOKIE, { path: '/portal', secure: config.publicUrl.startsWith('https:') });
    return renderPage(c, <SessionEndedPage />);
  });

  app.get('/:token', async (c) => {
    const token = c.req.param('token');
    const state = await openPortalLink(db, clock.now(), token, { ip: ip(c) });
    return renderLinkState(c, token, state, {});
  });

  app.post('/:token', async (c) => {
    const token = c.req.param('token');
    const form = await formFields(c);
    const values = { month: form.month, day: form.day, year: form.year };
    const dob = parseDateOfBirth({ ...values, date: form.date }, clock.now());
    if (!dob) {
      const state = await openPortalLink(db, clock.now(), token, { ip: ip(c) });
      return renderLinkState(c, token, state, { values, error: 'Enter your date of birth as month, day and a four-digit year.' }, 422);
    }
    const result = await verifyPortalDateOfBirth(db, clock.now(), token, dob, { ip: ip(c) });
    if (!result.ok) {
      const error = result.wrong && result.state.state === 'ready' ? wrongDobMessage(result.state.attemptsLeft, result.state.finalTries) : undefined;
      return renderLinkState(c, token, result.state, { values, error }, result.wrong || result.state.state !== 'ready' ? 422 : 200);
    }
    setCookie(c, PORTAL_COOKIE, result.sessionToken, {
      path: '/portal',
      httpOnly: true,
      sameSite: 'Lax',
      secure: config.publicUrl.startsWith('https:'),
      maxAge: Math.floor(PORTAL_SESSION_MAX_MS / 1000),
    });
    return redirectAfterPost(c, '/portal/account');
  });

  return app;
}

function renderLinkState(
  c: Context,
  token: string,
  state: LinkState,
  form: { values?: Record<string, string | undefined>; error?: string },
  status: 200 | 404 | 422 = 200,
) {
  switch (state.state) {
    case 'invalid':
      return renderPage(c, <InvalidLinkPage />, 404);
    case 'expired':
      return renderPage(c, <ExpiredLinkPage practice={state.practice} />, status === 422 ? 422 : 200);
    case 'locked':
      return renderPage(c, <LockedLinkPage practice={state.practice} until={state.until} />, status === 422 ? 422 : 200);
    case 'disabled':
      return renderPage(c, <DeadLinkPage practice={state.practice} />, status === 422 ? 422 : 200);
    case 'ready':
      return renderPage(
        c,
        <DateOfBirthPage practice={state.practice} token={token} values={form.values ?? {}} error={form.error} attemptsLeft={state.attemptsLeft} />,
        status,
      );
  }
}

function wrongDobMessage(attemptsLeft: number, finalTries: boolean): string {
  const left = attemptsLeft === 1 ? 'One try is left' : `${attemptsLeft} tries are left`;
  return `That date of birth does not match our records. ${left} before this link ${finalTries ? 'stops working for good' : 'locks for 15 minutes'}.`;
}
