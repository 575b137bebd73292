import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { openLinkedPatientSummary } from '../../src/tickets/linked-patient.ts';
import { formatCents } from '../../src/intl.ts';
import { formatPhone } from '../../src/intl.ts';
import { channelLabel, kindLabel } from '../../src/engagement/labels.ts';
import { formatDob } from '../patients/format.ts';

type Summary = Awaited<ReturnType<typeof openLinkedPatientSummary>>;

/** The linked account, read-only. */
export function PatientSummaryPage(props: { ctx: ViewContext; summary: Summary }) {
  const { patient: p, thread, cases, subscriptions, balanceCents } = props.summary;
  const address = [p.address_line1, p.address_line2, [p.city, p.state, p.postal_code].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  const alt = [p.alt_address_line1, p.alt_address_line2, [p.alt_city, p.alt_state, p.alt_postal_code].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return (
    <AppLayout ctx={props.ctx} title={`Patient account ${p.account_number}`}>
      <p>
        <a href={`/vendor/tickets/${thread.id}`}>← Ticket #{thread.id}</a>
      </p>
      <h1>
        {p.first_name} {p.last_name} <span class="meta">{p.account_number}</span>
      </h1>
      <p class="warning">Read-only. This view was recorded in the audit trail (you, now, this account, ticket #{thread.id}).</p>
      <dl class="ticket-facts">
        <div><dt>Practice</dt><dd>{thread.practice_name}</dd></div>
        <div><dt>Date of birth</dt><dd>{formatDob(p.date_of_birth)}</dd></div>
        <div><dt>Status</dt><dd>{p.status === 'active' ? 'Active' : 'Inactive'}</dd></div>
        <div><dt>Mobile phone</dt><dd>{p.mobile_phone ? formatPhone(p.mobile_phone) : '—'}</dd></div>
        <div><dt>Email</dt><dd>{p.email ?? '—'}</dd></div>
        <div><dt>Address</dt><dd>{address || '—'}</dd></div>
        <div><dt>Alternate statement address</dt><dd>{alt || 'None'}</dd></div>
        <div><dt>Statements</dt><dd>{p.statement_delivery === 'electronic' ? 'Electronic' : 'Mail'}</dd></div>
        <div><dt>Balance</dt><dd>{formatCents(balanceCents)}</dd></div>
      </dl>
      <h2>Cases</h2>
      {cases.length ? (
        <table class="list">
          <thead><tr><th scope="col">Case</th><th scope="col">Opened</th><th scope="col">Closed</th><th scope="col">Balance</th></tr></thead>
          <tbody>
            {cases.map((c) => (
              <tr><td>{c.title}</td><td>{formatDob(c.opened_on)}</td><td>{c.closed_on ? formatDob(c.closed_on) : '—'}</td><td>{formatCents(c.balance_cents)}</td></tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No cases.</p>
      )}
      <h2>Patient Engagement subscriptions</h2>
      {subscriptions.length ? (
        <table class="list">
          <thead><tr><th scope="col">Messages</th><th scope="col">Channel</th><th scope="col">Subscribed</th></tr></thead>
          <tbody>
            {subscriptions.map((s) => (
              <tr><td>{kindLabel(s.kind)}</td><td>{channelLabel(s.channel)}</td><td>{s.subscribed ? 'Yes' : 'No'}</td></tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No subscriptions recorded (balance alerts start unsubscribed).</p>
      )}
    </AppLayout>
  );
}
