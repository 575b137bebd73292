import type { Database } from '../db/database.ts';

export async function deleteExpiredSessions(db: Database, now: Date): Promise<number> {
  const sessions = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await db
    .deleteFrom('throttles')
    .where('window_started_at', '<', dayAgo)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', now)]))
    .execute();
  return Number(sessions.numDeletedRows);
}
