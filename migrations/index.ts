import type { Migration } from 'kysely/migration';
import * as m0001 from './20261123_0001_foundation.ts';
import * as m0002 from './20261123_0002_engagement_core.ts';
import * as m0100 from './20261123_0100_tickets.ts';
import * as m0300 from './20261123_0300_vendor.ts';
import * as m0400 from './20261123_0400_patients.ts';
import * as m0500 from './20261123_0500_portal_payments.ts';
import * as m0600 from './20261123_0600_notices_statements.ts';
import * as m0700 from './20261123_0700_audit_append_only.ts';
import * as m0800 from './20261123_0800_queue_indexes.ts';
import * as m1201 from './20261202_0100_security_hardening.ts';
import * as m1202_1600 from './20261202_1600_durable_imports.ts';
import * as m1202_1700 from './20261202_1700_instance_heartbeats.ts';
import * as m1202_1800 from './20261202_1800_refunds.ts';
import * as m1203_0100 from './20261203_0100_deadline_warnings.ts';
import * as m1203_0200 from './20261203_0200_vendor_service.ts';
import * as m1203_0300 from './20261203_0300_reminder_replies.ts';
import * as m1203_0400 from './20261203_0400_message_templates.ts';
import * as m1203_0500 from './20261203_0500_first_vendor_response.ts';
import * as m1203_0600 from './20261203_0600_preferred_language.ts';
import * as m1203_0700 from './20261203_0700_queue_mine_index.ts';
import * as m1203_0800 from './20261203_0800_sent_text_indexes.ts';
import * as m1203_0900 from './20261203_0900_account_manager_index.ts';
import * as m1203_1000 from './20261203_1000_practice_threads_status.ts';
import * as m1203_1100 from './20261203_1100_needs_reply_index.ts';
import * as m1203_1200 from './20261203_1200_practices_name_index.ts';
import * as m1203_1300 from './20261203_1300_import_upload_storage.ts';
import * as m1203_1500 from './20261203_1500_ticket_count_deltas.ts';
import * as m1203_1600 from './20261203_1600_import_upload_parts.ts';
import * as m1203_1800 from './20261203_1800_vendor_unread.ts';
import * as m1204_0100 from './20261204_0100_balance_alert_next_check.ts';
import * as m1204_0200 from './20261204_0200_patients_mobile_index.ts';
import * as m1204_0300 from './20261204_0300_outbox_reference_checks.ts';
import * as m1204_0400 from './20261204_0400_balance_alert_checks.ts';
import * as m1205_0100 from './20261205_0100_staff_unread.ts';
import * as m1205_1600 from './20261205_1600_instance_roles.ts';
import * as m1205_1800 from './20261205_1800_list_order_indexes.ts';
import * as m1205_1900 from './20261205_1900_ticket_visibility_counts.ts';

// Forward-only, in name order. Add each new migration file here.
export const migrations: Record<string, Migration> = {
  '20261123_0001_foundation': m0001,
  '20261123_0002_engagement_core': m0002,
  '20261123_0100_tickets': m0100,
  '20261123_0300_vendor': m0300,
  '20261123_0400_patients': m0400,
  '20261123_0500_portal_payments': m0500,
  '20261123_0600_notices_statements': m0600,
  '20261123_0700_audit_append_only': m0700,
  '20261123_0800_queue_indexes': m0800,
  '20261202_0100_security_hardening': m1201,
  '20261202_1600_durable_imports': m1202_1600,
  '20261202_1700_instance_heartbeats': m1202_1700,
  '20261202_1800_refunds': m1202_1800,
  '20261203_0100_deadline_warnings': m1203_0100,
  '20261203_0200_vendor_service': m1203_0200,
  '20261203_0300_reminder_replies': m1203_0300,
  '20261203_0400_message_templates': m1203_0400,
  '20261203_0500_first_vendor_response': m1203_0500,
  '20261203_0600_preferred_language': m1203_0600,
  '20261203_0700_queue_mine_index': m1203_0700,
  '20261203_0800_sent_text_indexes': m1203_0800,
  '20261203_0900_account_manager_index': m1203_0900,
  '20261203_1000_practice_threads_status': m1203_1000,
  '20261203_1100_needs_reply_index': m1203_1100,
  '20261203_1200_practices_name_index': m1203_1200,
  '20261203_1300_import_upload_storage': m1203_1300,
  '20261203_1500_ticket_count_deltas': m1203_1500,
  '20261203_1600_import_upload_parts': m1203_1600,
  '20261203_1800_vendor_unread': m1203_1800,
  '20261204_0100_balance_alert_next_check': m1204_0100,
  '20261204_0200_patients_mobile_index': m1204_0200,
  '20261204_0300_outbox_reference_checks': m1204_0300,
  '20261204_0400_balance_alert_checks': m1204_0400,
  '20261205_0100_staff_unread': m1205_0100,
  '20261205_1600_instance_roles': m1205_1600,
  '20261205_1800_list_order_indexes': m1205_1800,
  '20261205_1900_ticket_visibility_counts': m1205_1900,
};
