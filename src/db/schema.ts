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
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
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
  kind: 'responsibility' | 'payment' | 'adjustment';
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
  last_public_message_at: Timestamp;
  last_public_author_id: number | null;
  waiting_since: Timestamp;
  closed_at: Date | null;
  created_at: Timestamp;
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

export interface TicketEventsTable {
  id: Generated<number>;
  ticket_id: number;
  practice_id: number;
  actor_user_id: number | null;
  kind: string;
  details: Json;
  at: Timestamp;
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
  tickets: TicketsTable;
  ticket_messages: TicketMessagesTable;
  ticket_attachments: TicketAttachmentsTable;
  ticket_reads: TicketReadsTable;
  ticket_events: TicketEventsTable;
}

export type Practice = Selectable<PracticesTable>;
export type User = Selectable<UsersTable>;
export type Patient = Selectable<PatientsTable>;
export type NewPatient = Insertable<PatientsTable>;
export type PatientUpdate = Updateable<PatientsTable>;
export type Ticket = Selectable<TicketsTable>;
export type TicketMessage = Selectable<TicketMessagesTable>;
