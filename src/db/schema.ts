import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

// Table types for Kysely. Keep in step with migrations/.
// Conventions: ids are int8 parsed to number; dates are 'YYYY-MM-DD' strings; timestamptz are Dates;
// money is integer cents.

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T | undefined, string | T>;

export type Role = 1 | 2 | 3 | 4 | 5;
export type Department = 'billing' | 'success' | 'technical' | 'product';
export type TicketDepartment = Exclude<Department, 'product'>;
export type Visibility = 'only_me' | 'person' | 'anyone' | 'owners' | 'clinical' | 'admins';
export type TicketStatus = 'waiting_vendor' | 'waiting_practice' | 'closed';
export type BalanceAlertFrequency = 'biweekly' | 'monthly' | 'off';
export type MessageKind = 'balance_alert' | 'appointment_reminder' | 'emergency';
export type Channel = 'sms' | 'email';
export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'bounced' | 'complained' | 'failed' | 'cancelled';
/** A patient's preferred language (docs/rules.md, Language). */
export type Language = 'en' | 'es';

export interface AppMetaTable {
  key: string;
  value: Json<unknown>;
  updated_at: DefaultTimestamp;
}

export interface PracticesTable {
  id: Generated<number>;
  name: string;
  phone: string;
  time_zone: string;
  go_live_on: string;
  hypercare_days: Generated<number>;
  account_manager_id: number | null;
  balance_alert_frequency: Generated<BalanceAlertFrequency>;
  reminder_lead_hours: Generated<24 | 48 | 72>;
  engagement_updated_by_user_id: number | null;
  engagement_updated_at: Date | null;
  created_at: DefaultTimestamp;
}

export interface UsersTable {
  id: Generated<number>;
  kind: 'staff' | 'vendor';
  practice_id: number | null;
  email: string;
  name: string;
  password_hash: string | null;
  role: Role | null;
  limit_messaging: Generated<boolean>;
  reporting: Generated<boolean>;
  active: Generated<boolean>;
  vendor_admin: Generated<boolean>;
  notify_email: Generated<boolean>;
  /** Emailed when a patient asks to reschedule (docs/rules.md, Appointment reminders). */
  notify_appointment_changes: boolean | null;
  password_changed_at: Date | null;
  created_at: DefaultTimestamp;
}

export interface VendorDepartmentsTable {
  user_id: number;
  department: Department;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: Timestamp;
  last_active_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface ThrottlesTable {
  key: string;
  hits: number;
  window_started_at: Timestamp;
  blocked_until: Date | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  practice_id: number | null;
  actor_kind: 'staff' | 'vendor' | 'patient' | 'system' | 'anonymous';
  actor_user_id: number | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  ip: string | null;
  details: Json;
}

export interface PatientsTable {
  id: Generated<number>;
  practice_id: number;
  account_number: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  status: Generated<'active' | 'inactive'>;
  mobile_phone: string | null;
  email: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  alt_address_line1: string | null;
  alt_address_line2: string | null;
  alt_city: string | null;
  alt_state: string | null;
  alt_postal_code: string | null;
  statement_delivery: Generated<'mail' | 'electronic'>;
  /** The language of every patient-facing text (docs/rules.md, Language). */
  preferred_language: Generated<Language>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Kept by a trigger on ledger_entries (migrations/20261123_0400_patients.ts); never written by the app. */
  balance_cents: Generated<number>;
  /** Latest patient-responsibility posting time, kept by the same trigger. */
  last_responsibility_at: ColumnType<Date | null, never, never>;
}

export interface CasesTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  title: string;
  opened_on: string;
  closed_on: string | null;
  created_at: DefaultTimestamp;
}

export interface LedgerEntriesTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  case_id: number;
  kind: 'responsibility' | 'payment' | 'adjustment' | 'refund';
  amount_cents: number;
  posted_at: Timestamp;
  external_ref: string | null;
  note: string | null;
  source: Generated<string>;
  created_by_user_id: number | null;
  created_at: DefaultTimestamp;
}

export interface AppointmentsTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  starts_at: Timestamp;
  provider_name: string;
  location: string;
  status: Generated<'scheduled' | 'cancelled' | 'completed' | 'no_show'>;
  external_ref: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export type AppointmentAnswer = 'confirmed' | 'reschedule';

export interface AppointmentAnswersTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  appointment_id: number;
  starts_at: Timestamp;
  answer: AppointmentAnswer;
  via: 'sms' | 'email_link';
  at: Timestamp;
}

export interface AppointmentReplyLinksTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  appointment_id: number;
  token_hash: string;
  starts_at: Timestamp;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Date | null;
  used_answer: AppointmentAnswer | null;
}

export interface TicketsTable {
  id: Generated<number>;
  practice_id: number;
  created_by_user_id: number;
  created_by_side: Generated<'practice' | 'vendor'>;
  subject: string;
  department: TicketDepartment;
  patient_id: number | null;
  visibility: Visibility;
  visible_user_id: number | null;
  admin_level: Generated<boolean>;
  status: Generated<TicketStatus>;
  assigned_to_user_id: number | null;
  response_due_at: Date | null;
  response_required_by_user_id: number | null;
  overdue_warning_sent_at: Date | null;
  overdue_recorded_at: Date | null;
  final_warning_sent_at: Date | null;
  last_public_message_at: Timestamp;
  last_public_author_id: number | null;
  waiting_since: Timestamp;
  closed_at: Date | null;
  created_at: Timestamp;
  /** When the current response requirement was set (migrations/20261123_0300_vendor.ts). */
  response_required_at: Date | null;
  /**
   * StrataPT's first public reply (internal notes do not count): set by insertTicketMessage and never
   * moved later (migrations/20261203_0500_first_vendor_response.ts); the service report reads it.
   */
  first_vendor_response_at: Date | null;
}

export interface TicketMessagesTable {
  id: Generated<number>;
  ticket_id: number;
  practice_id: number;
  author_user_id: number;
  author_side: 'practice' | 'vendor';
  internal: Generated<boolean>;
  body: string;
  response_window_hours: number | null;
  created_at: Timestamp;
}

export interface TicketAttachmentsTable {
  id: Generated<number>;
  ticket_id: number;
  message_id: number;
  practice_id: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  data: Buffer;
  created_at: Timestamp;
}

export interface TicketReadsTable {
  user_id: number;
  ticket_id: number;
  practice_id: number;
  last_read_at: Timestamp;
}

/**
 * Each active vendor user's unread threads in their queues, kept by triggers (migration
 * 20261203_1800): the console menu's badge reads it (countQueueUnread, src/tickets/queues.ts).
 */
export interface VendorUnreadTable {
  user_id: number;
  ticket_id: number;
}

/**
 * Each practice user's unread threads, kept by triggers (migration 20261205_0100): the Get Help
 * menu's badge reads it (countUnreadTickets, src/tickets/unread.ts).
 */
export interface StaffUnreadTable {
  user_id: number;
  ticket_id: number;
  practice_id: number;
}

/** Threads per practice, department and status, as of the last fold (migration 20261203_1500, src/tickets/counts.ts). */
export interface TicketCountsTable {
  practice_id: number;
  department: TicketDepartment;
  status: TicketStatus;
  n: number;
}

/** Threads per department and status, as of the last fold. */
export interface TicketCountTotalsTable {
  department: TicketDepartment;
  status: TicketStatus;
  n: number;
}

/**
 * Threads per practice, status and the columns the visibility rule reads, as of the last fold: Get
 * Help's filter counts (migration 20261205_1900).
 */
export interface TicketVisibilityCountsTable {
  practice_id: number;
  status: TicketStatus;
  admin_level: boolean;
  visibility: Visibility;
  created_by_user_id: number;
  visible_user_id: number | null;
  n: number;
}

/** Changes to the thread counts since the last fold, appended by triggers on tickets. */
export interface TicketCountDeltasTable {
  practice_id: number;
  department: TicketDepartment;
  status: TicketStatus;
  admin_level: boolean;
  visibility: Visibility;
  created_by_user_id: number;
  visible_user_id: number | null;
  n: number;
}

export interface TicketEventsTable {
  id: Generated<number>;
  ticket_id: number;
  practice_id: number;
  actor_user_id: number | null;
  kind: string;
  details: Json;
  at: Timestamp;
}

export interface SubscriptionsTable {
  practice_id: number;
  patient_id: number;
  kind: MessageKind;
  channel: Channel;
  subscribed: boolean;
  updated_at: Timestamp;
  updated_by_user_id: number | null;
}

/** A subscribed balance-alert pair's next check: when it could next be due, a lower bound; no row, never (migrations/20261204_0400_balance_alert_checks.ts). */
export interface BalanceAlertChecksTable {
  patient_id: number;
  kind: Generated<'balance_alert'>;
  channel: Channel;
  next_at: Timestamp;
}

export interface ConsentEventsTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  kind: MessageKind;
  channel: Channel;
  subscribed: boolean;
  address: string | null;
  wording: string;
  actor_kind: 'staff' | 'patient' | 'system';
  actor_user_id: number | null;
  source: string;
  at: Timestamp;
}

export interface SmsOptOutsTable {
  practice_id: number;
  phone: string;
  opted_out_at: Timestamp;
}

export interface EmailSuppressionsTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  email: string;
  reason: 'bounced' | 'complained';
  at: Timestamp;
}

export interface OutboxMessagesTable {
  id: Generated<number>;
  practice_id: number | null;
  patient_id: number | null;
  user_id: number | null;
  /** balance_alert, appointment_reminder, emergency, statement, ticket_notification, staff_invite, sms_reply ... */
  kind: string;
  channel: Channel;
  recipient: string;
  subject: string | null;
  /** Null until a templated row is first sent (src/messaging/templates.ts). */
  body: string | null;
  html: string | null;
  /** A template key and its parameters, for rows written set-based; rendered when sent. */
  template: string | null;
  template_params: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  headers: Json<Record<string, string>>;
  /** What caused the message, for the send-time re-check: { ticketId }, { appointmentId }, ... */
  reason: Json;
  dedupe_key: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_expires_at: Date | null;
  leased_by: string | null;
  transport: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  cancel_reason: string | null;
  created_at: Timestamp;
  sent_at: Date | null;
  delivered_at: Date | null;
  updated_at: Timestamp;
  /** The portal link's token that replaces the placeholder at send time (src/messaging/portal-link-token.ts); null once sent or cancelled. */
  portal_link_token: string | null;
}

export interface WebhookEventsTable {
  provider: string;
  event_id: string;
  received_at: Timestamp;
}

export interface PortalLinksTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  token_hash: string;
  purpose: Generated<string>;
  created_at: Timestamp;
  expires_at: Timestamp;
  failed_attempts: Generated<number>;
  locked_until: Date | null;
  last_verified_at: Date | null;
  /** Wrong dates of birth over the link's whole life (failed_attempts restarts after each lock). */
  failed_total: Generated<number>;
  /** Set when failed_total reached the lifetime cap: the link never opens again. */
  disabled_at: Date | null;
}

export interface JobRunsTable {
  name: string;
  runs: Generated<number>;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_outcome: string | null;
  last_error: string | null;
  rows_handled: number | null;
  duration_ms: number | null;
}

export interface DB {
  app_meta: AppMetaTable;
  practices: PracticesTable;
  users: UsersTable;
  vendor_departments: VendorDepartmentsTable;
  sessions: SessionsTable;
  throttles: ThrottlesTable;
  audit_log: AuditLogTable;
  patients: PatientsTable;
  cases: CasesTable;
  ledger_entries: LedgerEntriesTable;
  appointments: AppointmentsTable;
  appointment_answers: AppointmentAnswersTable;
  appointment_reply_links: AppointmentReplyLinksTable;
  tickets: TicketsTable;
  ticket_messages: TicketMessagesTable;
  ticket_attachments: TicketAttachmentsTable;
  ticket_reads: TicketReadsTable;
  vendor_unread: VendorUnreadTable;
  staff_unread: StaffUnreadTable;
  ticket_counts: TicketCountsTable;
  ticket_count_totals: TicketCountTotalsTable;
  ticket_count_deltas: TicketCountDeltasTable;
  ticket_visibility_counts: TicketVisibilityCountsTable;
  ticket_events: TicketEventsTable;
  subscriptions: SubscriptionsTable;
  balance_alert_checks: BalanceAlertChecksTable;
  consent_events: ConsentEventsTable;
  sms_opt_outs: SmsOptOutsTable;
  email_suppressions: EmailSuppressionsTable;
  outbox_messages: OutboxMessagesTable;
  webhook_events: WebhookEventsTable;
  portal_links: PortalLinksTable;
  job_runs: JobRunsTable;
  emergency_notices: EmergencyNoticesTable;
  print_batches: PrintBatchesTable;
  statements: StatementsTable;
  imports: ImportsTable;
  import_uploads: ImportUploadsTable;
  instance_heartbeats: InstanceHeartbeatsTable;
  portal_sessions: PortalSessionsTable;
  payment_settings: PaymentSettingsTable;
  payment_requests: PaymentRequestsTable;
  payment_refunds: PaymentRefundsTable;
  password_tokens: PasswordTokensTable;
  feedback_ideas: FeedbackIdeasTable;
  department_targets: DepartmentTargetsTable;
  ticket_macros: TicketMacrosTable;
  feedback_votes: FeedbackVotesTable;
  feedback_comments: FeedbackCommentsTable;
  feedback_status_changes: FeedbackStatusChangesTable;
}

export type Practice = Selectable<PracticesTable>;
export type User = Selectable<UsersTable>;
export type Patient = Selectable<PatientsTable>;
export type NewPatient = Insertable<PatientsTable>;
export type PatientUpdate = Updateable<PatientsTable>;
export type Ticket = Selectable<TicketsTable>;
export type TicketMessage = Selectable<TicketMessagesTable>;

// ---- Emergency notices and statements (migrations/20261123_0600_notices_statements.ts) ----

export type EmergencyReason = 'weather' | 'power' | 'illness' | 'other';

export interface EmergencyNoticesTable {
  id: Generated<number>;
  practice_id: number;
  created_by_user_id: number;
  reason: EmergencyReason;
  window_start: Timestamp;
  window_end: Timestamp;
  message: string;
  channels: Channel[];
  request_key: string;
  recipients_sms: Generated<number>;
  recipients_email: Generated<number>;
  sent_at: Timestamp;
}

export interface PrintBatchesTable {
  id: Generated<number>;
  practice_id: number;
  batch_date: string;
  created_at: Timestamp;
  downloaded_at: Date | null;
  downloaded_by_user_id: number | null;
}

export interface StatementsTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  anchor_entry_id: number;
  anchor_at: Timestamp;
  cycle: 30 | 60 | 90;
  statement_date: string;
  balance_cents: number;
  delivery: 'mail' | 'electronic';
  address_kind: 'alternate' | 'demographic' | null;
  print_batch_id: number | null;
  outbox_message_id: number | null;
  content: Json<unknown>;
  generated_at: Timestamp;
}

// ---- Patients, ledger and imports (migrations/20261123_0400_patients.ts) ----

export type ImportKind = 'patients' | 'ledger' | 'appointments';
export type ImportStatus = 'validating' | 'saving' | 'committed' | 'rejected' | 'failed';
export type ImportRejection = { row: number; field: string; problem: string };

export interface ImportsTable {
  id: Generated<number>;
  practice_id: number;
  kind: ImportKind;
  sha256: string;
  filename: string;
  size_bytes: number;
  created_by_user_id: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
  status: Generated<ImportStatus>;
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  inserted_rows: Generated<number>;
  existing_rows: Generated<number>;
  rejected_rows: Generated<number>;
  errors: Json<ImportRejection[]>;
  /** The instance working on it and until when its claim holds (renewed every batch). */
  leased_by: string | null;
  lease_until: Timestamp | null;
  /** Accepted rows (valid, new or already present) and how many of them the save phase has committed. */
  accepted_rows: Generated<number>;
  saved_rows: Generated<number>;
}

/** One instance's event-loop delay and work in hand, every ~10 s (migrations/20261202_1700_instance_heartbeats.ts). */
export interface InstanceHeartbeatsTable {
  instance_id: string;
  at: Timestamp;
  event_loop_p99_ms: number;
  event_loop_max_ms: number;
  work: Json<RunningWork[]>;
  /** 'web', or 'jobs' for `npm run start:jobs` (migrations/20261205_1600_instance_roles.ts). */
  role: Generated<InstanceRole>;
}
export type InstanceRole = 'web' | 'jobs';
export type RunningWork = { kind: string; label: string; done: number; total: number; startedAt: string };

/**
 * The uploaded file, kept until its import ends (migrations/20261202_1600_durable_imports.ts), in parts
 * of at most 1 MB numbered from 0 (migration 20261203_1600).
 */
export interface ImportUploadsTable {
  import_id: number;
  practice_id: number;
  part: number;
  bytes: Buffer;
}

// ---- Patient portal and Authorize.net payments (migrations/20261123_0500_portal_payments.ts) ----

export interface PortalSessionsTable {
  /** SHA-256 of the cookie's token. */
  id: string;
  practice_id: number;
  patient_id: number;
  link_id: number;
  created_at: Timestamp;
  last_active_at: Timestamp;
  expires_at: Timestamp;
}

/** Authorize.net credentials of one practice, each encrypted (AES-256-GCM, key from APP_SECRET). */
export interface PaymentSettingsTable {
  practice_id: number;
  api_login_id_enc: string;
  transaction_key_enc: string;
  signature_key_enc: string;
  api_login_id_last4: string;
  transaction_key_last4: string;
  signature_key_last4: string;
  updated_at: Timestamp;
  updated_by_user_id: number | null;
  last_test_at: Date | null;
  last_test_ok: boolean | null;
  last_test_message: string | null;
}

export type PaymentRequestStatus = 'pending' | 'paid' | 'cancelled' | 'review' | 'refunded';

export interface PaymentRequestsTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  case_id: number;
  /** Sent to Authorize.net as the order's invoice number; how a transaction finds its request. */
  ref_id: string;
  amount_cents: number;
  status: Generated<PaymentRequestStatus>;
  trans_id: string | null;
  ledger_entry_id: number | null;
  posted_via: 'webhook' | 'return' | 'staff' | null;
  review_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  paid_at: Date | null;
  /** Last four of the card, from Authorize.net's transaction details (the patient's receipt). */
  card_last4: string | null;
  /** A payment held for review: who decided, when and why (migrations/20261202_1800_refunds.ts). */
  resolved_by_user_id: number | null;
  resolved_at: Date | null;
  resolution_note: string | null;
}

export interface PaymentRefundsTable {
  id: Generated<number>;
  practice_id: number;
  patient_id: number;
  /** The portal payment refunded, or null for a held payment that never reached the ledger. */
  payment_entry_id: number | null;
  payment_request_id: number | null;
  original_trans_id: string;
  /** From the refund form: a second submission of the same form finds this row. */
  request_key: string;
  action: 'refund' | 'void';
  amount_cents: number;
  reason: string;
  status: Generated<'pending' | 'done' | 'failed'>;
  trans_id: string | null;
  error: string | null;
  ledger_entry_id: number | null;
  created_by_user_id: number;
  created_at: Timestamp;
  completed_at: Date | null;
}

// ---- Vendor console and Product Feedback (migrations/20261123_0300_vendor.ts) ----

export interface PasswordTokensTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the emailed token; the token itself is never stored. */
  token_hash: string;
  purpose: Generated<'invite' | 'reset'>;
  created_by_user_id: number | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Date | null;
}

export type FeedbackStatus = 'under_review' | 'planned' | 'in_progress' | 'shipped' | 'declined';

export interface FeedbackIdeasTable {
  id: Generated<number>;
  title: string;
  description: string;
  author_user_id: number;
  author_practice_id: number | null;
  status: Generated<FeedbackStatus>;
  vote_count: Generated<number>;
  comment_count: Generated<number>;
  created_at: Timestamp;
  status_changed_at: Date | null;
}

export interface FeedbackVotesTable {
  idea_id: number;
  user_id: number;
  created_at: Timestamp;
}

export interface FeedbackCommentsTable {
  id: Generated<number>;
  idea_id: number;
  author_user_id: number;
  body: string;
  created_at: Timestamp;
}

export interface FeedbackStatusChangesTable {
  id: Generated<number>;
  idea_id: number;
  from_status: FeedbackStatus | null;
  to_status: FeedbackStatus;
  note: string | null;
  changed_by_user_id: number;
  at: Timestamp;
}

/** A department's first-response target (migrations/20261203_0200_vendor_service.ts). */
export interface DepartmentTargetsTable {
  department: TicketDepartment;
  first_response_hours: number;
  updated_at: Timestamp;
  updated_by_user_id: number | null;
}

/** A department's canned reply (migrations/20261203_0200_vendor_service.ts). */
export interface TicketMacrosTable {
  id: Generated<number>;
  department: TicketDepartment;
  title: string;
  body: string;
  created_by_user_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
