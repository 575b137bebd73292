import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, formFields, pdfResponse, redirectAfterPost, renderPage, safeNext } from '../web/http.ts';
import { csrfTokenMatches, maskedCsrfTokenFor } from '../web/csrf.ts';
import { openPortalLink, parseDateOfBirth, portalLinkLanguage, practiceContact, verifyPortalDateOfBirth, type LinkState } from './access.ts';
import type { Language } from '../db/schema.ts';
import { chosenLanguage, t } from '../intl.ts';
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

type PortalEnv = AppEnv & { Variables: AppEnv['Variables'] & { portalSession: PortalSession | null; lang: Language } };

/**
 * The language the patient chose with the portal's switch, for this browser session only (no
 * expiry: a shared family tablet forgets it). Without it the portal speaks the patient's preferred
 * language (docs/rules.md, Language).
 */
export const PORTAL_LANGUAGE_COOKIE = 'strata_portal_lang';

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
    c.set('lang', chosenLanguage(getCookie(c, PORTAL_LANGUAGE_COOKIE)) ?? c.get('portalSession')?.language ?? 'en');
    if (c.req.method === 'POST' && c.get('portalSession') && !/^\/portal\/[A-Za-z0-9_-]{20,}$/.test(c.req.path)) {
      const field = (await c.req.parseBody())['_csrf'];
      if (!csrfTokenMatches(secret, `portal:${c.get('portalSession')!.id}`, typeof field === 'string' ? field : undefined)) {
        return c.text(t(c.get('lang'), 'portal.formExpired'), 403);
      }
    }
    await next();
  });

  const sessionOr = async (c: Context<PortalEnv>) => {
    const s = c.get('portalSession');
    if (!s) return null;
    return s;
  };
  const ended = (c: Context<PortalEnv>) => renderPage(c, <SessionEndedPage lang={c.get('lang')} />, 200);
  const page = (c: Context<PortalEnv>) => ({ lang: c.get('lang'), path: c.req.path });

  // The language switch: remembered for this browser session, then back to the page it was on.
  app.get('/language', (c) => {
    const lang = chosenLanguage(c.req.query('lang'));
    if (lang) {
      setCookie(c, PORTAL_LANGUAGE_COOKIE, lang, { path: '/portal', httpOnly: true, sameSite: 'Lax', secure: config.publicUrl.startsWith('https:') });
    }
    const next = safeNext(c.req.query('next'), config.publicUrl);
    return c.redirect(next.startsWith('/portal/') && !next.startsWith('/portal/language') ? next : '/portal/account', 303);
  });

  app.get('/account', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const account = await portalAccount(db, s, clock.now(), { ip: ip(c) });
    const lang = c.get('lang');
    const notice = c.req.query('paid') ? t(lang, 'portal.account.paid') : c.req.query('cancelled') ? t(lang, 'portal.account.cancelled') : undefined;
    return renderPage(c, <AccountPage {...page(c)} account={account} csrf={portalCsrf(s)} notice={notice} />);
  });

  // What the patient can keep: statements, receipts, and the lines behind each case (documents.ts).
  app.get('/statements/:id{[0-9]+\\.pdf}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const doc = await portalStatementPdf(db, s, parseInt(c.req.param('id'), 10), clock.now(), ip(c));
    if (!doc) return renderPage(c, <InvalidLinkPage {...page(c)} />, 404);
    return pdfResponse(c, doc.pdf, doc.filename, 'attachment');
  });

  app.get('/receipts/:id{[0-9]+}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const receipt = await portalReceipt(db, { ...s, language: c.get('lang') }, Number(c.req.param('id')), clock.now(), ip(c));
    if (!receipt) return renderPage(c, <InvalidLinkPage {...page(c)} />, 404);
    return renderPage(c, <ReceiptPage {...page(c)} receipt={receipt} csrf={portalCsrf(s)} />);
  });

  app.get('/receipts/:id{[0-9]+\\.pdf}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const receipt = await portalReceipt(db, { ...s, language: c.get('lang') }, parseInt(c.req.param('id'), 10), clock.now(), ip(c));
    if (!receipt) return renderPage(c, <InvalidLinkPage {...page(c)} />, 404);
    return pdfResponse(c, await renderReceiptPdf(receipt), `receipt-${receipt.id}.pdf`, 'attachment');
  });

  app.get('/cases/:id{[0-9]+}', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const detail = await portalCaseDetail(db, s, Number(c.req.param('id')), clock.now(), ip(c));
    if (!detail) return renderPage(c, <InvalidLinkPage {...page(c)} />, 404);
    return renderPage(c, <CaseDetailPage {...page(c)} detail={detail} practice={await practiceContact(db, s.practiceId)} csrf={portalCsrf(s)} />);
  });

  // The patient's own balance alerts (consent.ts).
  app.get('/notifications', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const alerts = await portalBalanceAlerts(db, { ...s, language: c.get('lang') });
    return renderPage(c, <PortalNotificationsPage {...page(c)} {...alerts} csrf={portalCsrf(s)} notice={c.req.query('saved') ? t(c.get('lang'), 'portal.notificationsSaved') : undefined} />);
  });

  app.post('/notifications', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const form = await formFields(c);
    const channel = form.channel === 'sms' || form.channel === 'email' ? form.channel : null;
    if (!channel || !['on', 'off'].includes(form.subscribed ?? '')) return renderPage(c, <InvalidLinkPage {...page(c)} />, 404);
    const result = await setPortalBalanceAlert(db, { ...s, language: c.get('lang') }, { channel, subscribed: form.subscribed === 'on' }, clock.now());
    if (!result.ok) {
      const alerts = await portalBalanceAlerts(db, { ...s, language: c.get('lang') });
      return renderPage(c, <PortalNotificationsPage {...page(c)} {...alerts} csrf={portalCsrf(s)} error={{ channel, text: result.error }} />, 422);
    }
    if (result.changed) logger.info({ reqId: c.get('requestId'), channel, subscribed: form.subscribed === 'on' }, 'balance alerts changed from the portal');
    return redirectAfterPost(c, '/portal/notifications?saved=1');
  });

  app.post('/payments', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const form = await formFields(c);
    const result = await createPaymentRequest(db, { ...s, language: c.get('lang') }, form, clock.now(), { ip: ip(c) });
    if (!result.ok) {
      const account = await portalAccount(db, s, clock.now(), { ip: ip(c) });
      return renderPage(c, <AccountPage {...page(c)} account={account} csrf={portalCsrf(s)} pay={{ values: result.values, errors: result.errors }} />, 422);
    }
    return redirectAfterPost(c, `/portal/payments/${result.refId}`);
  });

  app.get('/payments/:ref', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const request = await findPaymentRequest(db, s, c.req.param('ref'));
    if (!request) return renderPage(c, <InvalidLinkPage {...page(c)} />, 404);
    if (request.status !== 'pending') return c.redirect('/portal/account', 303);
    const form = await hostedPaymentForm(db, config, { ...s, language: c.get('lang') }, request);
    const practice = await practiceContact(db, s.practiceId);
    return renderPage(c, <HostedFormPage {...page(c)} practice={practice} csrf={portalCsrf(s)} request={request} form={form} />);
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
    return renderPage(c, <ReturnPage {...page(c)} status={outcome.status} />);
  });

  // Authorize.net's cancel link is a GET: it only shows the button; the POST changes the request.
  app.get('/cancel', async (c) => {
    const s = await sessionOr(c);
    if (!s) return ended(c);
    const practice = await practiceContact(db, s.practiceId);
    return renderPage(c, <CancelPaymentPage {...page(c)} practice={practice} csrf={portalCsrf(s)} refId={c.req.query('ref') ?? ''} />);
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
    return renderPage(c, <SessionEndedPage {...page(c)} />);
  });

  app.get('/:token', async (c) => {
    const token = c.req.param('token');
    const state = await openPortalLink(db, clock.now(), token, { ip: ip(c) });
    return renderLinkState(c, token, state, { lang: await linkLanguage(c, token) });
  });

  app.post('/:token', async (c) => {
    const token = c.req.param('token');
    const form = await formFields(c);
    const values = { month: form.month, day: form.day, year: form.year };
    const lang = await linkLanguage(c, token);
    const dob = parseDateOfBirth({ ...values, date: form.date }, clock.now());
    if (!dob) {
      const state = await openPortalLink(db, clock.now(), token, { ip: ip(c) });
      return renderLinkState(c, token, state, { lang, values, error: t(lang, 'portal.dob.unreadable') }, 422);
    }
    const result = await verifyPortalDateOfBirth(db, clock.now(), token, dob, { ip: ip(c) });
    if (!result.ok) {
      const error = result.wrong && result.state.state === 'ready' ? wrongDobMessage(lang, result.state.attemptsLeft, result.state.finalTries) : undefined;
      return renderLinkState(c, token, result.state, { lang, values, error }, result.wrong || result.state.state !== 'ready' ? 422 : 200);
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

  /** Before the date of birth: the switch's choice, else the language of the link's patient. */
  async function linkLanguage(c: Context<PortalEnv>, token: string): Promise<Language> {
    return chosenLanguage(getCookie(c, PORTAL_LANGUAGE_COOKIE)) ?? (await portalLinkLanguage(db, token));
  }

  return app;
}

function renderLinkState(
  c: Context,
  token: string,
  state: LinkState,
  form: { lang: Language; values?: Record<string, string | undefined>; error?: string },
  status: 200 | 404 | 422 = 200,
) {
  const page = { lang: form.lang, path: c.req.path };
  switch (state.state) {
    case 'invalid':
      return renderPage(c, <InvalidLinkPage {...page} />, 404);
    case 'expired':
      return renderPage(c, <ExpiredLinkPage {...page} practice={state.practice} />, status === 422 ? 422 : 200);
    case 'locked':
      return renderPage(c, <LockedLinkPage {...page} practice={state.practice} until={state.until} />, status === 422 ? 422 : 200);
    case 'disabled':
      return renderPage(c, <DeadLinkPage {...page} practice={state.practice} />, status === 422 ? 422 : 200);
    case 'ready':
      return renderPage(
        c,
        <DateOfBirthPage {...page} practice={state.practice} token={token} values={form.values ?? {}} error={form.error} attemptsLeft={state.attemptsLeft} />,
        status,
      );
  }
}

function wrongDobMessage(lang: Language, attemptsLeft: number, finalTries: boolean): string {
  return t(lang, 'portal.dob.wrong', { count: attemptsLeft, then: t(lang, finalTries ? 'portal.dob.thenForGood' : 'portal.dob.thenLocks') });
}
