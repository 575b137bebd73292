import { TZDate } from '@date-fns/tz';

// Texts go out only between 08:00 and 21:00 in the practice's time zone (docs/rules.md, Quiet hours).
export const TEXT_WINDOW_START_HOUR = 8;
export const TEXT_WINDOW_END_HOUR = 21;

/** Null when a text may go out at `now`; otherwise the next 08:00 local time, when it may. */
export function nextTextWindow(now: Date, timeZone: string): Date | null {
  const local = new TZDate(now.getTime(), timeZone);
  const hour = local.getHours();
  if (hour >= TEXT_WINDOW_START_HOUR && hour < TEXT_WINDOW_END_HOUR) return null;
  const dayOffset = hour >= TEXT_WINDOW_END_HOUR ? 1 : 0;
  // Built from calendar fields in the zone, so a DST change between now and then is accounted for.
  const opens = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + dayOffset, TEXT_WINDOW_START_HOUR, 0, 0, timeZone);
  return new Date(opens.getTime());
}
