import type { TicketDepartment, TicketStatus, Visibility } from '../db/schema.ts';
import { formatCount } from '../intl.ts';

// The Ticket platform's words and limits, shared by the domain functions and their views.

export const SUBJECT_MAX = 200;
export const MESSAGE_MAX = 20_000;

/** The ticket type a practice picks, and the team it routes to (the Routing Guide). */
export const TICKET_TYPES: { value: TicketDepartment | 'feedback'; label: string; covers: string }[] = [
  { value: 'billing', label: 'Billing/Patient', covers: 'Billing, Claims Processing, Policies, Authorizations, Credentialing Holds' },
  { value: 'success', label: 'Customer Success', covers: 'EMR setup, Templates, Documentation Questions, Training' },
  { value: 'technical', label: 'Technical Support Inquiry', covers: 'Technical Issues, Unexpected Behaviors' },
  { value: 'feedback', label: 'Product Feedback', covers: 'Ideas for future additions to StrataEMR (this leads to the Feedback portal)' },
];
export const DEPARTMENT_LABEL: Record<TicketDepartment, string> = { billing: 'Billing/Patient', success: 'Customer Success', technical: 'Technical Support Inquiry' };
export const STATUS_LABEL: Record<TicketStatus, string> = {
  waiting_vendor: 'Waiting on StrataPT',
  waiting_practice: 'Waiting on your practice',
  closed: 'Closed',
};

/** Get Help's filters, in the order they are offered. */
export const LIST_FILTERS = ['needs_reply', 'waiting', 'closed', 'all'] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];
export const LIST_FILTER_LABEL: Record<ListFilter, string> = {
  needs_reply: 'Needs our reply',
  waiting: 'Waiting on StrataPT',
  closed: 'Closed',
  all: 'All',
};

/** The departments with a queue in the console, and their names there. */
export const QUEUE_DEPARTMENTS: TicketDepartment[] = ['billing', 'success', 'technical'];
export const QUEUE_LABEL: Record<TicketDepartment, string> = {
  billing: 'Billing/Patient',
  success: 'Customer Success',
  technical: 'Technical Support',
};

/** The response windows a vendor reply may require (docs/rules.md, "Overdue": from 4 hours to 14 days). */
export const RESPONSE_WINDOWS: { hours: number; label: string }[] = [
  { hours: 4, label: '4 hours' },
  { hours: 8, label: '8 hours' },
  { hours: 24, label: '24 hours' },
  { hours: 48, label: '2 days' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
  { hours: 336, label: '14 days' },
];

/** Who at a practice may see a thread the vendor starts. */
export const OUTREACH_AUDIENCES: { value: Exclude<Visibility, 'only_me' | 'person'>; label: string }[] = [
  { value: 'anyone', label: 'Anyone in Practice' },
  { value: 'owners', label: 'Business Owners Only' },
  { value: 'clinical', label: 'Clinical Only (Clinician, Therapy Director)' },
  { value: 'admins', label: 'Admins Only (Practice Administrator and above)' },
];

export const ROLE_CHOICES: { value: Exclude<Visibility, 'only_me' | 'person'>; label: string }[] = [
  { value: 'anyone', label: 'Anyone in Practice' },
  { value: 'owners', label: 'Business Owners Only' },
  { value: 'clinical', label: 'Clinical Only' },
  { value: 'admins', label: 'Admins Only' },
];

/** First-response targets a vendor admin may choose, in business hours (docs/rules.md, "First-response targets"). */
export const TARGET_CHOICES: { hours: number; label: string }[] = [
  { hours: 2, label: '2 business hours' },
  { hours: 4, label: '4 business hours' },
  { hours: 8, label: '8 business hours' },
  { hours: 24, label: '1 business day' },
  { hours: 48, label: '2 business days' },
  { hours: 72, label: '3 business days' },
  { hours: 120, label: '5 business days' },
];

export function targetLabel(hours: number): string {
  return TARGET_CHOICES.find((c) => c.hours === hours)?.label ?? `${hours} business hours`;
}

export const ACCEPT_ATTRIBUTE = '.pdf,.png,.jpg,.jpeg,.gif,.webp,.csv,.txt,application/pdf,image/png,image/jpeg,image/gif,image/webp,text/csv,text/plain';

export const QUEUE_FILTERS = ['vendor', 'practice', 'overdue', 'mine', 'open', 'closed'] as const;
export type QueueFilter = (typeof QUEUE_FILTERS)[number];
export const FILTER_LABEL: Record<QueueFilter, string> = {
  vendor: 'Waiting on StrataPT',
  practice: 'Waiting on practice',
  overdue: 'Overdue',
  mine: 'Assigned to me',
  open: 'All open',
  closed: 'Closed',
};

/** Counts stop at this number ("1,000+"): a count is a glance at the workload, not a census. */
export const COUNT_CAP = 1000;

/** A capped count as the menu badges and the console's filters show it: "742", or "1,000+" past COUNT_CAP. */
export function cappedCount(n: number): string {
  return n > COUNT_CAP ? `${formatCount(COUNT_CAP)}+` : formatCount(n);
}

/** How many practices one search of the console's practice filter lists. */
export const PRACTICE_MATCHES = 20;

/** What every ticket action answers: where to go next, or a message per field. */
export type TicketResult =
  | { ok: true; id: number; notice?: string; gone?: boolean }
  | { ok: false; errors: Record<string, string>; blocked?: boolean };

/** Form fields as typed. */
export type TicketFields = Record<string, string | undefined>;
