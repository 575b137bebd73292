import type { ImportKind } from '../db/schema.ts';

// What an import file may contain, and its columns: shared by src/imports/imports.ts and the import page.

export const IMPORT_KINDS: Record<ImportKind, string> = {
  patients: 'Patients',
  ledger: 'Ledger entries',
  appointments: 'Appointments',
};

export const IMPORT_COLUMNS: Record<ImportKind, { required: string[]; optional: string[] }> = {
  patients: {
    required: ['account_number', 'first_name', 'last_name', 'date_of_birth'],
    optional: ['status', 'mobile_phone', 'email', 'address_line1', 'address_line2', 'city', 'state', 'postal_code', 'alt_address_line1', 'alt_address_line2', 'alt_city', 'alt_state', 'alt_postal_code', 'statement_delivery', 'preferred_language'],
  },
  ledger: {
    required: ['external_ref', 'account_number', 'kind', 'amount', 'posted_at'],
    optional: ['case', 'note'],
  },
  appointments: {
    required: ['external_ref', 'account_number', 'starts_at', 'provider', 'location'],
    optional: ['status'],
  },
};
