import { PortalLayout, PhoneLink } from './layout.tsx';
import type { PracticeContact } from '../../src/portal/access.ts';
import type { Receipt, VisitDetail } from '../../src/portal/documents.ts';
import type { Language } from '../../src/db/schema.ts';
import { dateTimeFormat, formatCents, localeOf, t } from '../../src/intl.ts';

type Page = { lang: Language; path?: string };

/** A receipt for one payment, with its PDF to keep. */
export function ReceiptPage(props: Page & { receipt: Receipt; csrf: string }) {
  const { receipt, lang } = props;
  return (
    <PortalLayout lang={lang} path={props.path} title={t(lang, 'portal.receipt.title')} practiceName={receipt.practice.name} signOut={{ csrf: props.csrf }}>
      <p>
        <a href="/portal/account">{t(lang, 'portal.receipt.back')}</a> ›
      </p>
      <h1>{t(lang, 'portal.receipt.title')}</h1>
      <dl class="summary" data-testid="receipt">
        <dt>{t(lang, 'portal.receipt.practice')}</dt>
        <dd>
          {receipt.practice.name}, <PhoneLink phone={receipt.practice.phone} />
        </dd>
        {receipt.lines.map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </>
        ))}
      </dl>
      <p>
        <a class="button" href={`/portal/receipts/${receipt.id}.pdf`} download>
          {t(lang, 'portal.receipt.download')}
        </a>
      </p>
    </PortalLayout>
  );
}

const LINE_KEYS = {
  responsibility: 'portal.visit.responsibility',
  payment: 'portal.visit.payment',
  adjustment: 'portal.visit.adjustment',
  refund: 'portal.visit.refund',
} as const;

/** The dated lines behind one case's balance. */
export function CaseDetailPage(props: Page & { detail: VisitDetail; practice: PracticeContact; csrf: string }) {
  const { detail, practice, lang } = props;
  const day = (at: Date) => dateTimeFormat(localeOf(lang), { month: 'short', day: 'numeric', year: 'numeric', timeZone: practice.time_zone }).format(at);
  const money = (cents: number) => formatCents(cents, lang);
  return (
    <PortalLayout lang={lang} path={props.path} title={detail.title} practiceName={practice.name} signOut={{ csrf: props.csrf }}>
      <p>
        <a href="/portal/account">{t(lang, 'portal.visit.back')}</a> ›
      </p>
      <h1>{detail.title}</h1>
      {detail.lines.length ? (
        <div class="table-wrap" tabindex={0} role="region" aria-label={t(lang, 'portal.visit.region')}>
          <table class="portal-table">
            <caption class="visually-hidden">{t(lang, 'portal.visit.caption', { case: detail.title })}</caption>
            <thead>
              <tr>
                <th scope="col">{t(lang, 'portal.visit.date')}</th>
                <th scope="col">{t(lang, 'portal.visit.what')}</th>
                <th scope="col" class="num">
                  {t(lang, 'portal.visit.amount')}
                </th>
                <th scope="col" class="num">
                  {t(lang, 'portal.visit.balance')}
                </th>
              </tr>
            </thead>
            <tbody>
              {detail.lines.map((l) => (
                <tr>
                  <td>{day(l.posted_at)}</td>
                  <td>
                    {l.kind in LINE_KEYS ? t(lang, LINE_KEYS[l.kind as keyof typeof LINE_KEYS]) : l.kind}
                    {l.description ? <span class="muted"> · {l.description}</span> : null}
                  </td>
                  <td class="num">{l.delta_cents >= 0 ? money(l.amount_cents) : `−${money(l.amount_cents)}`}</td>
                  <td class="num">{money(l.running_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">{t(lang, 'portal.visit.nothing')}</p>
      )}
      <p data-testid="case-balance">
        <strong>{t(lang, 'portal.visit.total', { amount: money(detail.balanceCents) })}</strong>
      </p>
      <p class="muted">
        {t(lang, 'portal.visit.questions', { practice: practice.name })} <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}
