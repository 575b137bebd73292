import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// Every exported function that queries a tenant table (one with practice_id) takes the actor (or a
// scope built from one), so the tenancy rule of src/auth/permissions.ts applies. The exceptions are
// listed here by name, each with the reason it has no actor: system jobs, the patient portal (its
// "actor" is a portal session), provider webhooks, sign-in, and writers called with an already
// scoped row.

const root = resolve(import.meta.dirname, '../..');
const TENANT_TABLES = [
  'users', 'audit_log', 'patients', 'cases', 'ledger_entries', 'appointments', 'tickets', 'ticket_messages', 'ticket_attachments', 'ticket_reads',
  'ticket_events', 'ticket_visibility_counts', 'subscriptions', 'balance_alert_checks', 'consent_events', 'sms_opt_outs', 'email_suppressions', 'outbox_messages', 'portal_links', 'emergency_notices',
  'print_batches', 'statements', 'imports', 'portal_sessions', 'payment_settings', 'payment_requests', 'appointment_answers', 'appointment_reply_links',
];

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.ts$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Exported functions (name, parameter list, body up to the next top-level declaration). */
function exportedFunctions(file: string) {
  const text = readFileSync(join(root, file), 'utf8');
  const starts = [...text.matchAll(/^export (?:async )?function (\w+)(?:<[^>]*>)?\(/gm)];
  return starts.map((m, i) => {
    const rest = text.slice(m.index!);
    const nextTop = rest.slice(1).search(/^(export |function |async function |const |type |\/\*\*)/m);
    const body = nextTop < 0 ? rest : rest.slice(0, nextTop + 1);
    const params = body.slice(0, body.indexOf(')'));
    return { name: m[1], params, body };
  });
}

const tableUse = new RegExp(`(selectFrom|insertInto|updateTable|deleteFrom)\\(['"](${TENANT_TABLES.join('|')})\\b`);

describe('tenant queries', () => {
  it('take an actor or a scope, except the listed system functions', () => {
    const unscoped = files('src')
      .filter((f) => !f.startsWith('src/db/') && !f.startsWith('src/demo/') && !f.endsWith('/demo.ts') && !f.endsWith('/seed.ts'))
      .flatMap((f) =>
        exportedFunctions(f)
          .filter((fn) => tableUse.test(fn.body) && !/\bactor\b/.test(fn.params))
          .map((fn) => `${relative(root, join(root, f))}#${fn.name}`),
      )
      .sort();
    expect(unscoped).toEqual([...EXCEPTIONS].sort());
  });

  it('read the actor\'s practice id by hand (practiceIdOf) only where listed, with the reason (this list may only shrink)', () => {
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
    const uses = Object.fromEntries(
      [...walk('src'), ...walk('views')]
        .filter((f) => f !== 'src/auth/permissions.ts')
        .map((f) => [f, (readFileSync(join(root, f), 'utf8').match(/\bpracticeIdOf\(/g) ?? []).length] as const)
        .filter(([, n]) => n > 0),
    );
    expect(uses).toEqual(Object.fromEntries(Object.entries(PRACTICE_ID_BY_HAND).map(([f, [n]]) => [f, n])));
  });
});

/** Files that still take practiceIdOf(actor) themselves: how many times, and why no scope serves. */
const PRACTICE_ID_BY_HAND: Record<string, [number, string]> = {
  // Inserts: the new row belongs to the actor's practice (there is no row yet to scope).
  'src/staff/staff.ts': [1, 'createStaffMember inserts the new user into the actor\'s practice'],
  'src/tickets/create.ts': [1, 'createTicket inserts the thread into the actor\'s practice'],
  'src/imports/imports.ts': [1, 'startImport inserts the import and its upload, and checks the file hash per practice'],
  'src/ledger/ledger.ts': [1, 'postLedgerEntry inserts the entry, and checks the case and the practice\'s time zone'],
  'src/payments/settings.ts': [
    3,
    'savePaymentSettings inserts the row and seals the credentials with the practice id as associated data; removePaymentSettings deletes the practice\'s row; testPaymentConnection opens the gateway, which system code also opens by practice id',
  ],
  'src/payments/refunds.ts': [
    4,
    'the Authorize.net client is opened per practice id (clientFor), a refund is claimed by practice and request key (refundByKey, shared with the write that records it), and postHeldPayment inserts a ledger entry',
  ],
  // Raw SQL: one statement (a CTE over appointments, subscriptions and opt-outs) takes the id as a value.
  'src/emergency/notices.ts': [1, 'previewRecipients passes the practice to findRecipients, one SQL statement shared with sendEmergencyNotice'],
  // Rules that need the practice as a fact rather than as a query.
  'src/tickets/overdue.ts': [1, 'findOverdueBlock counts every overdue thread of the practice, visible or not (docs/rules.md, Overdue); only ids and counts leave'],
  'src/tickets/visible-to.ts': [1, 'audienceOf builds the ticket facts for mayActorSeeTicket (the form\'s preview); no query'],
};

const EXCEPTIONS = [
  // System jobs and the outbox (no user: the scheduler, the dispatcher, import workers)
  'src/balance-alerts/alerts.ts#balanceAlertCancelReason',
  'src/balance-alerts/alerts.ts#runBalanceAlerts',
  'src/reminders/reminders.ts#appointmentReminderCancelReason',
  'src/messaging/dispatcher.ts#reasonToCancel',
  'src/messaging/outbox.ts#enqueueMessage',
  'src/messaging/outbox.ts#enqueueMessages',
  'src/imports/imports.ts#processImport',
  'src/statements/statements.ts#generateStatement',
  'src/tickets/deadlines.ts#recordOverdueThreads',
  'src/tickets/deadlines.ts#sendDeadlineWarnings',
  'src/tickets/deadlines.ts#sendFinalDeadlineWarnings',
  'src/tickets/notify.ts#notifyTicket',
  'src/portal/sessions.ts#deleteExpiredPortalSessions',
  'src/payments/settings.ts#allGateways',
  // Provider webhooks and unsubscribe links (they verify their own signature or token)
  'src/messaging/delivery.ts#applyResendEvent',
  'src/messaging/delivery.ts#applyTwilioStatus',
  'src/messaging/inbound.ts#handleInboundSms',
  'src/messaging/inbound.ts#languageOfNumber',
  // A reminder email's answer links (the token is the proof, like a portal link) and the job that writes them
  'src/reminders/replies.ts#answerReminderByLink',
  'src/reminders/replies.ts#insertReplyLinks',
  'src/engagement/subscriptions.ts#unsubscribeByLink',
  'src/engagement/subscriptions.ts#unsubscribeLinkPractice',
  'src/engagement/subscriptions.ts#unsubscribeLinkLanguage',
  'src/payments/posting.ts#confirmReturn',
  'src/payments/posting.ts#postVerifiedTransaction',
  // The patient portal: scoped by the portal session's patient and practice, not a staff actor
  'src/portal/access.ts#verifyPortalDateOfBirth',
  'src/portal/access.ts#portalLinkLanguage',
  'src/portal/account.ts#cancelPaymentRequest',
  'src/portal/account.ts#createPaymentRequest',
  'src/portal/account.ts#findPaymentRequest',
  'src/portal/account.ts#portalAccount',
  'src/portal/documents.ts#portalCaseDetail',
  'src/portal/documents.ts#portalReceipt',
  'src/portal/documents.ts#portalStatementPdf',
  'src/portal/documents.ts#portalStatementsQuery',
  'src/portal/links.ts#issuePortalLink',
  'src/portal/consent.ts#portalBalanceAlerts',
  'src/portal/consent.ts#setPortalBalanceAlert',
  'src/portal/sessions.ts#createPortalSession',
  'src/portal/sessions.ts#deletePortalSession',
  'src/portal/sessions.ts#validatePortalSession',
  'src/payments/settings.ts#onlinePaymentsEnabled',
  'src/payments/settings.ts#practiceGateway',
  // Sign-in and set-password links (before there is an actor)
  'src/auth/login.ts#attemptLogin',
  'src/console/password-links.ts#setPasswordFromLink',
  // Writers and readers called with a row already loaded through a scope (the caller passes the scoped ticket or patient)
  'src/audit/audit.ts#auditRowInsert',
  'src/tickets/events.ts#recordTicketEvents',
  'src/tickets/replies.ts#insertTicketMessage',
  'src/tickets/conversation.ts#loadTicketEvents',
  'src/tickets/assignment.ts#listAssignees',
  'src/engagement/subscriptions.ts#channelStates',
  'src/engagement/subscriptions.ts#consentHistory',
  'src/engagement/subscriptions.ts#recordSubscriptionChange',
  'src/ledger/ledger.ts#patientLedger',
  'src/ledger/ledger.ts#balanceOfPatient',
  'src/patients/search.ts#latestCaseTitle',
  // Vendor-wide lists for vendor admins (no practice: the route requires vendor.admin)
  'src/console/practices.ts#listAccountManagers',
  // Operators: the Jobs page's running work (vendor console only) and the metrics scrape (bearer token)
  'src/jobs/heartbeat.ts#listRunningImports',
  'src/web/metrics.ts#metricsRoutes',
];
