import type { Capability } from '../../src/auth/permissions.ts';
import type { Database } from '../../src/db/database.ts';

// Who may use each route. One entry per "METHOD path" in app.routes: the route test fails for a
// route with no entry, so a new route must say here who may reach it.
//
//   staff: capability   practice staff with it (true: any active staff member); others get 404,
//                       signed-out visitors and portal-only visitors are sent to /login.
//   vendor: capability  the StrataPT team with it (true: any vendor user).
//   signedIn            anyone signed in (staff or vendor); `cap` narrows it with one capability.
//   public              reachable signed out; `expect` gives the status for everyone.
//   portal              a verified patient portal session.
//   webhook             a provider callback: refused without a valid signature.
//   tenant: true        the path names a Riverside record: an administrator of another practice gets 404.
//   path                the concrete path to request (ids of the demo world filled in by the test).
//   okStatus            the status an allowed request answers (default: 200 for GET; for other methods
//                       anything but 401/403/404/405/500 or a trip to /login, as the form is empty).
//   refused             statuses that also count as a refusal (default: 404 only).
// Portal pages without a portal session may answer 200 with a "link expired" page: the test checks
// that no patient data is on it.

export type Access =
  | { staff: Capability | true }
  | { vendor: Capability | true }
  | { signedIn: true; cap?: Capability }
  | { public: true; expect: number | ((role: string) => number | number[]) }
  | { portal: true }
  | { webhook: true };

export type RouteRule = Access & {
  path: string;
  tenant?: boolean;
  okStatus?: number | number[];
  /** Statuses that also count as refused for those who may not use it (default: 404 only). */
  refused?: number[];
};

/** Ids from the demo world, resolved once per run. */
export type Ids = {
  patient: number;
  ticket: number;
  attachment: number | null;
  statement: number | null;
  importId: number | null;
  idea: number;
  staffMember: number;
  vendorUser: number;
  /** A demo canned reply (the route test deletes it last). */
  macro: number;
  practice: number;
  notice: number | null;
  outbox: number | null;
  printBatch: number | null;
  riverside: number;
  /** A Riverside portal payment (demo: Amelia Taylor's) and a payment held for review. */
  portalPayment: { patient: number; entry: number };
  heldPayment: number;
  /** The portal session's patient (ids.patient): one of their cases and one of their payments. */
  patientCase: number;
  patientPayment: number;
};

const SIGNED_IN_REDIRECT = (role: string) => (role === 'anonymous' || role === 'portal' ? 200 : 302);

export function routeTable(i: Ids): Record<string, RouteRule> {
  const p = i.patient;
  const t = i.ticket;
  return {
    'GET /': { signedIn: true, path: '/', okStatus: 302 },
    'GET /login': { public: true, expect: SIGNED_IN_REDIRECT, path: '/login' },
    'POST /login': { public: true, expect: 422, path: '/login' },
    'POST /logout': { signedIn: true, path: '/logout', okStatus: 303 },
    'GET /healthz': { public: true, expect: 200, path: '/healthz' },
    'GET /readyz': { public: true, expect: 200, path: '/readyz' },
    // Without METRICS_TOKEN (as in the tests) /metrics does not exist for anyone; test/metrics covers the token.
    'GET /metrics': { public: true, expect: 404, path: '/metrics' },
    'GET /account': { signedIn: true, path: '/account' },
    'POST /account/password': { signedIn: true, path: '/account/password' },
    'GET /account/notifications': { signedIn: true, path: '/account/notifications' },
    'POST /account/notifications': { signedIn: true, path: '/account/notifications' },
    'GET /dashboard': { staff: true, path: '/dashboard' },
    'GET /dashboard/needs-reply': { staff: 'tickets.use', path: '/dashboard/needs-reply' },
    // The live stream answers 204 where no feed runs (the test app): its pages poll instead.
    'GET /live/tickets': { staff: 'tickets.use', path: '/live/tickets', okStatus: [200, 204] },
    'GET /settings': { staff: 'settings.view', path: '/settings' },
    'GET /settings/audit': { staff: 'audit.view', path: '/settings/audit' },
    'GET /settings/deliverability': { staff: 'deliverability.view', path: '/settings/deliverability' },
    'GET /settings/patient-engagement': { staff: 'engagement.configure', path: '/settings/patient-engagement' },
    'POST /settings/patient-engagement': { staff: 'engagement.configure', path: '/settings/patient-engagement' },
    'GET /settings/payments': { staff: 'payments.configure', path: '/settings/payments' },
    'POST /settings/payments': { staff: 'payments.configure', path: '/settings/payments' },
    'POST /settings/payments/connection-test': { staff: 'payments.configure', path: '/settings/payments/connection-test' },
    'POST /settings/payments/removal': { staff: 'payments.configure', path: '/settings/payments/removal' },
    'GET /settings/payments/held/:id': { staff: 'payments.refund', path: `/settings/payments/held/${i.heldPayment}`, tenant: true },
    'POST /settings/payments/held/:id/posting': { staff: 'payments.refund', path: `/settings/payments/held/${i.heldPayment}/posting`, tenant: true },
    'POST /settings/payments/held/:id/refunds': { staff: 'payments.refund', path: `/settings/payments/held/${i.heldPayment}/refunds`, tenant: true },
    'GET /patients/:id/payments/:entryId/refunds/new': {
      staff: 'payments.refund',
      path: `/patients/${i.portalPayment.patient}/payments/${i.portalPayment.entry}/refunds/new`,
      tenant: true,
    },
    'POST /patients/:id/payments/:entryId/refunds': {
      staff: 'payments.refund',
      path: `/patients/${i.portalPayment.patient}/payments/${i.portalPayment.entry}/refunds`,
      tenant: true,
    },
    'GET /settings/staff': { staff: 'staff.manage', path: '/settings/staff' },
    'POST /settings/staff': { staff: 'staff.manage', path: '/settings/staff' },
    'GET /settings/staff/new': { staff: 'staff.manage', path: '/settings/staff/new' },
    'GET /settings/staff/:id': { staff: 'staff.manage', path: `/settings/staff/${i.staffMember}`, tenant: true },
    'POST /settings/staff/:id': { staff: 'staff.manage', path: `/settings/staff/${i.staffMember}`, tenant: true },
    'GET /emergency': { staff: 'emergency.send', path: '/emergency' },
    'POST /emergency/final-text': { staff: 'emergency.send', path: '/emergency/final-text' },
    'POST /emergency/starting-text': { staff: 'emergency.send', path: '/emergency/starting-text' },
    'GET /appointments/tomorrow': { staff: 'patients.view', path: '/appointments/tomorrow' },
    'POST /appointments/tomorrow/emails': { staff: 'patients.view', path: '/appointments/tomorrow/emails' },
    'POST /emergency': { staff: 'emergency.send', path: '/emergency' },
    'POST /emergency/preview': { staff: 'emergency.send', path: '/emergency/preview' },
    'GET /emergency/:id': { staff: 'emergency.send', path: `/emergency/${i.notice ?? 999999}`, tenant: true, okStatus: i.notice ? 200 : 404 },
    'GET /feedback': { signedIn: true, cap: 'feedback.use', path: '/feedback' },
    'POST /feedback': { signedIn: true, cap: 'feedback.use', path: '/feedback' },
    'GET /feedback/new': { signedIn: true, cap: 'feedback.use', path: '/feedback/new' },
    'POST /feedback/new': { signedIn: true, cap: 'feedback.use', path: '/feedback/new' },
    'GET /feedback/similar': { signedIn: true, cap: 'feedback.use', path: '/feedback/similar?title=print' },
    'GET /feedback/:id': { signedIn: true, cap: 'feedback.use', path: `/feedback/${i.idea}` },
    'POST /feedback/:id/comments': { signedIn: true, cap: 'feedback.use', path: `/feedback/${i.idea}/comments` },
    // Ideas are shared by every practice, so a refusal here hides nothing: 403 is as good as 404.
    'POST /feedback/:id/status': { vendor: 'feedback.setStatus', path: `/feedback/${i.idea}/status`, refused: [403] },
    'POST /feedback/:id/vote': { signedIn: true, cap: 'feedback.use', path: `/feedback/${i.idea}/vote` },
    'POST /feedback/:id/vote/delete': { signedIn: true, cap: 'feedback.use', path: `/feedback/${i.idea}/vote/delete` },
    'GET /patients': { staff: 'patients.view', path: '/patients?q=gonz' },
    'GET /patients/:id': { staff: 'patients.view', path: `/patients/${p}`, tenant: true },
    'POST /patients/:id': { staff: 'patients.view', path: `/patients/${p}`, tenant: true },
    'GET /patients/:id/edit': { staff: 'patients.view', path: `/patients/${p}/edit`, tenant: true },
    'GET /patients/:id/engagement': { staff: 'patients.view', path: `/patients/${p}/engagement`, tenant: true },
    'POST /patients/:id/engagement/subscriptions/:kind/:channel': { staff: 'patients.view', path: `/patients/${p}/engagement/subscriptions/appointment_reminder/email`, tenant: true },
    'POST /patients/:id/engagement/subscriptions/:kind/:channel/delete': { staff: 'patients.view', path: `/patients/${p}/engagement/subscriptions/appointment_reminder/email/delete`, tenant: true },
    'POST /patients/:id/ledger-entries': { staff: 'patients.view', path: `/patients/${p}/ledger-entries`, tenant: true },
    'GET /patients/:id/statements': { staff: 'patients.view', path: `/patients/${p}/statements`, tenant: true },
    'GET /patients/:id/statements/:statementId{[0-9]+\\.pdf}': { staff: 'patients.view', path: `/patients/${p}/statements/${i.statement ?? 999999}.pdf`, tenant: true, okStatus: i.statement ? 200 : 404 },
    'GET /patients/import': { staff: 'patients.import', path: '/patients/import' },
    'POST /patients/import': { staff: 'patients.import', path: '/patients/import' },
    'GET /patients/import/:id': { staff: 'patients.import', path: `/patients/import/${i.importId ?? 999999}`, tenant: true, okStatus: i.importId ? 200 : 404 },
    'GET /patients/import/:id/report.csv': { staff: 'patients.import', path: `/patients/import/${i.importId ?? 999999}/report.csv`, tenant: true, okStatus: i.importId ? 200 : 404 },
    'GET /patients/import/:id/status': { staff: 'patients.import', path: `/patients/import/${i.importId ?? 999999}/status`, tenant: true, okStatus: i.importId ? 200 : 404 },
    'GET /patients/import/templates/:kind{[a-z]+\\.csv}': { staff: 'patients.import', path: '/patients/import/templates/patients.csv' },
    'GET /reports': { staff: 'reports.run', path: '/reports' },
    'GET /reports/patient-email': { staff: 'reports.run', path: '/reports/patient-email' },
    'GET /reports/patient-email.csv': { staff: 'reports.run', path: '/reports/patient-email.csv' },
    // Limit Messaging Access: Get Help still opens, and says why there is nothing to see (SPEC §1).
    'GET /tickets': { staff: true, path: '/tickets' },
    'POST /tickets': { staff: 'tickets.use', path: '/tickets' },
    'GET /tickets/new': { staff: 'tickets.use', path: '/tickets/new' },
    'GET /tickets/new/audience': { staff: 'tickets.use', path: '/tickets/new/audience?visibility=anyone' },
    'GET /tickets/new/patients': { staff: 'tickets.use', path: '/tickets/new/patients?q=gonz' },
    'GET /tickets/new/similar': { staff: 'tickets.use', path: '/tickets/new/similar?subject=claim' },
    'GET /tickets/:id': { staff: 'tickets.use', path: `/tickets/${t}`, tenant: true },
    'GET /tickets/:id/conversation': { staff: 'tickets.use', path: `/tickets/${t}/conversation`, tenant: true },
    'POST /tickets/:id/closure': { staff: 'tickets.use', path: `/tickets/${t}/closure`, tenant: true },
    'POST /tickets/:id/closure/delete': { staff: 'tickets.use', path: `/tickets/${t}/closure/delete`, tenant: true },
    'GET /tickets/unread-badge': { staff: 'tickets.use', path: '/tickets/unread-badge' },
    'POST /tickets/:id/messages': { staff: 'tickets.use', path: `/tickets/${t}/messages`, tenant: true },
    'GET /tickets/:id/attachments/:attachmentId': { staff: 'tickets.use', path: `/tickets/${t}/attachments/${i.attachment ?? 999999}`, tenant: true, okStatus: i.attachment ? 200 : 404 },
    'GET /vendor': { vendor: true, path: '/vendor' },
    'GET /vendor/audit': { vendor: 'vendor.admin', path: '/vendor/audit' },
    'GET /vendor/jobs': { vendor: 'vendor.admin', path: '/vendor/jobs' },
    'GET /vendor/jobs/running': { vendor: 'vendor.admin', path: '/vendor/jobs/running' },
    'POST /vendor/jobs/:name/runs': { vendor: 'vendor.admin', path: '/vendor/jobs/session-cleanup/runs' },
    'GET /vendor/messages': { vendor: 'vendor.admin', path: '/vendor/messages' },
    'POST /vendor/messages/:id/retry': { vendor: 'vendor.admin', path: `/vendor/messages/${i.outbox ?? 999999}/retry` },
    'GET /vendor/practices': { vendor: 'vendor.admin', path: '/vendor/practices' },
    'POST /vendor/practices': { vendor: 'vendor.admin', path: '/vendor/practices' },
    'GET /vendor/practices/new': { vendor: 'vendor.admin', path: '/vendor/practices/new' },
    'GET /vendor/practices/:id': { vendor: 'vendor.admin', path: `/vendor/practices/${i.practice}` },
    'POST /vendor/practices/:id': { vendor: 'vendor.admin', path: `/vendor/practices/${i.practice}` },
    'GET /vendor/print-batches': { vendor: 'statements.print', path: '/vendor/print-batches' },
    'GET /vendor/print-batches/:id{[0-9]+\\.pdf}': { vendor: 'statements.print', path: `/vendor/print-batches/${i.printBatch ?? 999999}.pdf`, okStatus: i.printBatch ? 200 : 404 },
    'GET /vendor/queues/:department': { vendor: true, path: '/vendor/queues/billing' },
    'GET /vendor/queues/:department/practices': { vendor: true, path: '/vendor/queues/billing/practices?practice_q=summit' },
    'GET /vendor/team': { vendor: 'vendor.admin', path: '/vendor/team' },
    'POST /vendor/team': { vendor: 'vendor.admin', path: '/vendor/team' },
    'GET /vendor/team/new': { vendor: 'vendor.admin', path: '/vendor/team/new' },
    'GET /vendor/team/:id': { vendor: 'vendor.admin', path: `/vendor/team/${i.vendorUser}` },
    'POST /vendor/team/:id': { vendor: 'vendor.admin', path: `/vendor/team/${i.vendorUser}` },
    'POST /vendor/tickets': { vendor: true, path: '/vendor/tickets' },
    'GET /vendor/tickets/new': { vendor: true, path: '/vendor/tickets/new' },
    'GET /vendor/tickets/:id': { vendor: true, path: `/vendor/tickets/${t}` },
    'POST /vendor/tickets/:id/admin-level': { vendor: true, path: `/vendor/tickets/${t}/admin-level` },
    'POST /vendor/tickets/:id/admin-level/delete': { vendor: true, path: `/vendor/tickets/${t}/admin-level/delete` },
    'POST /vendor/tickets/:id/assignment': { vendor: true, path: `/vendor/tickets/${t}/assignment` },
    'POST /vendor/tickets/:id/closure': { vendor: true, path: `/vendor/tickets/${t}/closure` },
    'POST /vendor/tickets/:id/closure/delete': { vendor: true, path: `/vendor/tickets/${t}/closure/delete` },
    'POST /vendor/tickets/:id/department': { vendor: true, path: `/vendor/tickets/${t}/department` },
    'POST /vendor/tickets/:id/notes': { vendor: true, path: `/vendor/tickets/${t}/notes` },
    'GET /vendor/tickets/:id/patient': { vendor: true, path: `/vendor/tickets/${t}/patient` },
    'POST /vendor/tickets/:id/replies': { vendor: true, path: `/vendor/tickets/${t}/replies` },
    'POST /vendor/tickets/:id/reply-box': { vendor: true, path: `/vendor/tickets/${t}/reply-box` },
    'GET /vendor/tickets/:id/attachments/:attachmentId': { vendor: true, path: `/vendor/tickets/${t}/attachments/${i.attachment ?? 999999}`, okStatus: i.attachment ? 200 : 404 },
    'GET /vendor/service-report': { vendor: 'vendor.admin', path: '/vendor/service-report' },
    'GET /vendor/service-report.csv': { vendor: 'vendor.admin', path: '/vendor/service-report.csv' },
    'GET /vendor/settings': { vendor: 'vendor.admin', path: '/vendor/settings' },
    'POST /vendor/settings': { vendor: 'vendor.admin', path: '/vendor/settings' },
    'GET /vendor/macros': { vendor: 'vendor.admin', path: '/vendor/macros' },
    'GET /vendor/macros/new': { vendor: 'vendor.admin', path: '/vendor/macros/new' },
    'POST /vendor/macros': { vendor: 'vendor.admin', path: '/vendor/macros' },
    'GET /vendor/macros/:id': { vendor: 'vendor.admin', path: `/vendor/macros/${i.macro}` },
    'POST /vendor/macros/:id': { vendor: 'vendor.admin', path: `/vendor/macros/${i.macro}` },
    'POST /vendor/macros/:id/delete': { vendor: 'vendor.admin', path: `/vendor/macros/${i.macro}/delete` },
    'POST /vendor/tickets/:id/response-requirement/delete': { vendor: true, path: `/vendor/tickets/${t}/response-requirement/delete` },
    'GET /portal/:token': { public: true, expect: 404, path: '/portal/not-a-real-token' },
    'POST /portal/:token': { public: true, expect: (role) => (role === 'portal' ? [403, 404] : 404), path: '/portal/not-a-real-token' },
    // The portal's language switch: a cookie for this browser session, then back to a local /portal/ page.
    'GET /portal/language': { public: true, expect: 303, path: '/portal/language?lang=es&next=%2Fportal%2Faccount' },
    'GET /portal/account': { portal: true, path: '/portal/account' },
    'GET /portal/cancel': { portal: true, path: '/portal/cancel' },
    'POST /portal/cancel': { portal: true, path: '/portal/cancel', okStatus: 403 },
    'GET /portal/return': { portal: true, path: '/portal/return' },
    'GET /portal/cases/:id{[0-9]+}': { portal: true, path: `/portal/cases/${i.patientCase}` },
    'GET /portal/receipts/:id{[0-9]+}': { portal: true, path: `/portal/receipts/${i.patientPayment}` },
    'GET /portal/receipts/:id{[0-9]+\\.pdf}': { portal: true, path: `/portal/receipts/${i.patientPayment}.pdf` },
    'GET /portal/statements/:id{[0-9]+\\.pdf}': { portal: true, path: `/portal/statements/${i.statement ?? 999999}.pdf`, okStatus: i.statement ? 200 : 404 },
    // Portal forms carry the portal session's own token; the matrix posts none, so even the patient is refused.
    'POST /portal/payments': { portal: true, path: '/portal/payments', okStatus: 403 },
    'GET /portal/payments/:ref': { portal: true, path: '/portal/payments/not-a-ref', okStatus: 404 },
    'GET /portal/notifications': { portal: true, path: '/portal/notifications' },
    'POST /portal/notifications': { portal: true, path: '/portal/notifications', okStatus: 403 },
    'POST /portal/sign-out': { portal: true, path: '/portal/sign-out', okStatus: 403 },
    'GET /set-password/:token': { public: true, expect: 404, path: '/set-password/not-a-real-token' },
    'POST /set-password/:token': { public: true, expect: 404, path: '/set-password/not-a-real-token' },
    'GET /unsubscribe/:token': { public: true, expect: 404, path: '/unsubscribe/not-a-real-token' },
    'POST /unsubscribe/:token': { public: true, expect: 404, path: '/unsubscribe/not-a-real-token' },
    'GET /appointment-replies/:token/:action{confirm|reschedule}': { public: true, expect: 404, path: '/appointment-replies/not-a-real-token/confirm' },
    'POST /appointment-replies/:token/:action{confirm|reschedule}': { public: true, expect: 404, path: '/appointment-replies/not-a-real-token/confirm' },
    'POST /webhooks/authorize-net': { webhook: true, path: '/webhooks/authorize-net' },
    'POST /webhooks/authorize-net/:practiceId{[0-9]+}': { webhook: true, path: `/webhooks/authorize-net/${i.riverside}` },
    'POST /webhooks/resend': { webhook: true, path: '/webhooks/resend' },
    'POST /webhooks/twilio/inbound': { webhook: true, path: '/webhooks/twilio/inbound' },
    'POST /webhooks/twilio/status': { webhook: true, path: '/webhooks/twilio/status' },
  };
}

/** The demo world's records the table's paths point at (Riverside's, so another practice gets 404). */
export async function resolveIds(db: Database): Promise<Ids> {
  const riverside = (await db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow()).id;
  const patient = await db.selectFrom('patients').select('id').where('practice_id', '=', riverside).where('first_name', '=', 'Maria').orderBy('id').executeTakeFirstOrThrow();
  const ticket = await db.selectFrom('tickets').select('id').where('practice_id', '=', riverside).where('visibility', '=', 'anyone').where('admin_level', '=', false).where('department', '=', 'billing').orderBy('id').executeTakeFirstOrThrow();
  const attachment = await db.selectFrom('ticket_attachments').select('id').where('ticket_id', '=', ticket.id).executeTakeFirst();
  const statement = await db.selectFrom('statements').select('id').where('patient_id', '=', patient.id).executeTakeFirst();
  const idea = await db.selectFrom('feedback_ideas').select('id').orderBy('id').executeTakeFirstOrThrow();
  const user = (email: string) => db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  const portalPayment = await db.selectFrom('ledger_entries').select(['id', 'patient_id']).where('practice_id', '=', riverside).where('kind', '=', 'payment').where('external_ref', 'like', 'anet:%').orderBy('id').executeTakeFirstOrThrow();
  const held = await db.selectFrom('payment_requests').select('id').where('practice_id', '=', riverside).where('status', '=', 'review').orderBy('id').executeTakeFirstOrThrow();
  return {
    riverside,
    patient: patient.id,
    ticket: ticket.id,
    attachment: attachment?.id ?? null,
    statement: statement?.id ?? null,
    importId: null,
    idea: idea.id,
    staffMember: (await user('frontdesk@riverside.example')).id,
    vendorUser: (await user('support@stratapt.example')).id,
    macro: (await db.selectFrom('ticket_macros').select('id').orderBy('id').executeTakeFirstOrThrow()).id,
    practice: riverside,
    notice: null,
    outbox: null,
    printBatch: null,
    portalPayment: { patient: portalPayment.patient_id, entry: portalPayment.id },
    patientCase: (await db.selectFrom('cases').select('id').where('patient_id', '=', patient.id).orderBy('id').executeTakeFirstOrThrow()).id,
    patientPayment: (await db.selectFrom('ledger_entries').select('id').where('patient_id', '=', patient.id).where('kind', '=', 'payment').orderBy('id').executeTakeFirstOrThrow()).id,
    heldPayment: held.id,
  };
}
