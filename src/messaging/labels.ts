import type { OutboxStatus } from '../db/schema.ts';

// The outbox's statuses, in the order Sent Messages and the Jobs page list them.

export const OUTBOX_STATUSES: OutboxStatus[] = ['queued', 'sending', 'sent', 'delivered', 'bounced', 'complained', 'failed', 'cancelled'];
