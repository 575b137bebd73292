import { dateTimeFormat, zonedMinuteFormat } from '../../src/intl.ts';
import type { PatientMatch } from '../../src/patients/search.ts';
// Display formats for the patient pages: instants in the practice's time zone.

const DATE_TIME = zonedMinuteFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });

export function formatDateTime(at: Date, timeZone: string): string {
  return DATE_TIME(at, timeZone);
}

export function formatDay(at: Date, timeZone: string): string {
  return dateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric', year: 'numeric' }).format(at);
}

/** '1980-04-12' -> '04/12/1980', the way the front desk reads dates of birth. */
export function formatDob(isoDay: string): string {
  const [y, m, d] = isoDay.split('-');
  return `${m}/${d}/${y}`;
}

/** "Gonzalez, Maria · DOB 04/12/1980 · R-1002 · Active · Left knee ACL rehabilitation" */
export function patientLabel(p: PatientMatch): string {
  const [y, m, d] = p.date_of_birth.split('-');
  return [
    `${p.last_name}, ${p.first_name}`,
    `DOB ${m}/${d}/${y}`,
    p.account_number,
    p.status === 'active' ? 'Active' : 'Inactive',
    p.latest_case ?? 'no case',
  ].join(' · ');
}
