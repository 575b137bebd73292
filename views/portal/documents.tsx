import { PortalLayout, PhoneLink } from './layout.tsx';
import type { PracticeContact } from '../../src/portal/access.ts';
import type { Receipt, VisitDetail } from '../../src/portal/documents.ts';
import { formatCents } from '../../src/intl.ts';
import { dateTimeFormat } from '../../src/intl.ts';

/** A receipt for one payment, with its PDF to keep. */
export function ReceiptPage(props: { receipt: Receipt; csrf: string }) {
  const { receipt } = props;
  return (
    <PortalLayout title="Payment receipt" practiceName={receipt.practice.name} signOut={{ csrf: props.csrf }}>
      <p>
        <a href="/portal/account">Your balance</a> ›
      </p>
      <h1>Payment receipt</h1>
      <dl class="summary" data-testid="receipt">
        <dt>Practice</dt>
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
          Download the receipt (PDF)
        </a>
      </p>
    </PortalLayout>
  );
}

/** The dated lines behind one case's balance. */
export function CaseDetailPage(props: { detail: VisitDetail; practice: PracticeContact; csrf: string }) {
  const { detail, practice } = props;
  const day = (at: Date) => dateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: practice.time_zone }).format(at);
  const label: Record<string, string> = { responsibility: 'Your share of a visit', payment: 'Payment', adjustment: 'Adjustment', refund: 'Refund to your card' };
  return (
    <PortalLayout title={detail.title} practiceName={practice.name} signOut={{ csrf: props.csrf }}>
      <p>
        <a href="/portal/account">Your balance</a> ›
      </p>
      <h1>{detail.title}</h1>
      {detail.lines.length ? (
        <div class="table-wrap" tabindex={0} role="region" aria-label="Visit detail, scrolls sideways on small screens">
          <table class="portal-table">
            <caption class="visually-hidden">What makes up the balance of {detail.title}</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">What</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col" class="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {detail.lines.map((l) => (
                <tr>
                  <td>{day(l.posted_at)}</td>
                  <td>
                    {label[l.kind]}
                    {l.description ? <span class="muted"> · {l.description}</span> : null}
                  </td>
                  <td class="num">{l.delta_cents >= 0 ? formatCents(l.amount_cents) : `−${formatCents(l.amount_cents)}`}</td>
                  <td class="num">{formatCents(l.running_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">Nothing has been billed on this case.</p>
      )}
      <p data-testid="case-balance">
        <strong>Balance: {formatCents(detail.balanceCents)}</strong>
      </p>
      <p class="muted">
        Questions about a line? Call {practice.name} at <PhoneLink phone={practice.phone} />.
      </p>
    </PortalLayout>
  );
}
