import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';

/** A time as the reader's practice sees it (or UTC for the vendor console). */
export function formatWhen(d: Date | null | undefined, timeZone = 'UTC'): string {
  if (!d) return '—';
  return format(new TZDate(d.getTime(), timeZone), 'MMM d, yyyy h:mm a') + (timeZone === 'UTC' ? ' UTC' : '');
}

export const STATUS_LABELS: Record<string, string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  bounced: 'Bounced',
  complained: 'Spam complaint',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
