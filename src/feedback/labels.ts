import type { FeedbackStatus } from '../db/schema.ts';

// The Feedback portal's words and limits, shared by src/feedback/ideas.ts and its views.

export const FEEDBACK_STATUSES: { value: FeedbackStatus; label: string }[] = [
  { value: 'under_review', label: 'Under review' },
  { value: 'planned', label: 'Planned' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'shipped', label: 'Shipped' },
  { value: 'declined', label: 'Declined' },
];

export const STATUS_LABEL = Object.fromEntries(FEEDBACK_STATUSES.map((s) => [s.value, s.label])) as Record<FeedbackStatus, string>;

export const TITLE_MAX = 150;

export const DESCRIPTION_MAX = 5000;

export const COMMENT_MAX = 2000;
