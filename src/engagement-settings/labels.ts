import type { BalanceAlertFrequency } from '../db/schema.ts';

// Settings → Patient Engagement: the choices and their words.

export const FREQUENCIES: Record<BalanceAlertFrequency, string> = {
  biweekly: 'Every two weeks',
  monthly: 'Every Month',
  off: 'Don’t Send',
};

export const LEAD_HOURS = [24, 48, 72] as const;
