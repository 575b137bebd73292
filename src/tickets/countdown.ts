import { isOverdue } from './overdue.ts';

// The response deadline as people read it in a list: "reply within 3 h 20 min", amber under four
// hours, red Overdue once it has passed (docs/rules.md, "Deadlines in every list"). Computed on the
// server from the injected clock, so a page without JavaScript shows the same words.

export type DeadlineTone = 'due' | 'soon' | 'overdue';

export type Countdown = { text: string; tone: DeadlineTone; dueAt: Date };

/** Under this much time left the countdown turns amber. */
export const SOON_MS = 4 * 3_600_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The countdown to a response deadline, or null when no response is required. */
export function deadlineCountdown(dueAt: Date | null, now: Date): Countdown | null {
  if (!dueAt) return null;
  if (isOverdue(dueAt, now)) return { text: 'Overdue', tone: 'overdue', dueAt };
  const left = dueAt.getTime() - now.getTime();
  return { text: `reply within ${durationText(left)}`, tone: left < SOON_MS ? 'soon' : 'due', dueAt };
}

/** Whole minutes, rounded down (3 h 59 min 59 s reads "3 h 59 min", never a rounded-up "4 h" in amber). */
export function durationText(ms: number): string {
  if (ms < MINUTE) return 'less than a minute';
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  if (days > 0) return hours ? `${days} ${days === 1 ? 'day' : 'days'} ${hours} h` : `${days} ${days === 1 ? 'day' : 'days'}`;
  if (hours > 0) return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}
