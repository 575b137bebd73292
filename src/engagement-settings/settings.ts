import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { BalanceAlertFrequency } from '../db/schema.ts';
import { assertCan, ownPractice, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { LEAD_HOURS } from './labels.ts';

// Settings → Patient Engagement: the practice-wide balance alert frequency and the appointment
// reminder lead time. Therapy Director and above; the page does not exist for anyone else.

export type EngagementSettings = {
  balance_alert_frequency: BalanceAlertFrequency;
  reminder_lead_hours: 24 | 48 | 72;
  engagement_updated_at: Date | null;
  updated_by_name: string | null;
};

export async function engagementSettings(db: Database, actor: Actor): Promise<EngagementSettings> {
  assertCan(actor, 'engagement.configure');
  return ownPractice(db, actor)
    .leftJoin('users', 'users.id', 'practices.engagement_updated_by_user_id')
    .select(['practices.balance_alert_frequency', 'practices.reminder_lead_hours', 'practices.engagement_updated_at', 'users.name as updated_by_name'])
    .executeTakeFirstOrThrow();
}

const settingsSchema = z.object({
  balance_alert_frequency: z.enum(['biweekly', 'monthly', 'off'], { error: 'Choose how often balance alerts go out.' }),
  reminder_lead_hours: z.coerce
    .number({ error: 'Choose a lead time.' })
    .refine((n): n is 24 | 48 | 72 => (LEAD_HOURS as readonly number[]).includes(n), 'Choose 24, 48 or 72 hours.'),
});

export type SettingsResult = { ok: true } | { ok: false; errors: Record<string, string> };

export async function saveEngagementSettings(db: Database, actor: Actor, input: Record<string, string | undefined>, now: Date): Promise<SettingsResult> {
  assertCan(actor, 'engagement.configure');
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const v = parsed.data;
  await db.transaction().execute(async (trx) => {
    const before = await ownPractice(trx, actor)
      .select(['practices.id', 'practices.balance_alert_frequency', 'practices.reminder_lead_hours'])
      .forUpdate()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('practices')
      .set({
        balance_alert_frequency: v.balance_alert_frequency,
        reminder_lead_hours: v.reminder_lead_hours as 24 | 48 | 72,
        engagement_updated_by_user_id: actor.id,
        engagement_updated_at: now,
      })
      .where('id', '=', before.id)
      .execute();
    await recordAudit(trx, {
      at: now,
      actor,
      action: 'engagement.settings_updated',
      recordType: 'practice',
      recordId: before.id,
      details: {
        balance_alert_frequency: { from: before.balance_alert_frequency, to: v.balance_alert_frequency },
        reminder_lead_hours: { from: before.reminder_lead_hours, to: v.reminder_lead_hours },
      },
    });
  });
  return { ok: true };
}
