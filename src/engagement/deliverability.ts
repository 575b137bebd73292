import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Channel } from '../db/schema.ts';
import { ownPractice, type Actor } from '../auth/permissions.ts';

// The signals carriers and mailbox providers judge a sender by, per channel and month in the
// practice's time zone: sent, delivered, failed, bounced, complaints and opt-outs.

export type DeliverabilityMonth = {
  channel: Channel;
  month: string;
  sent: number;
  delivered: number;
  failed: number;
  bounced: number;
  complaints: number;
  optOuts: number;
};

export async function deliverabilityReport(db: Database, actor: Actor, now: Date, months = 12): Promise<{ timeZone: string; rows: DeliverabilityMonth[] }> {
  const practice = await ownPractice(db, actor).select(['practices.id', 'practices.time_zone']).executeTakeFirstOrThrow();
  // Two monthly aggregates in SQL (time-zone months): the practice comes from its scoped row.
  const practiceId = practice.id;
  const tz = practice.time_zone;
  const since = new Date(now.getTime() - (months * 31 + 1) * 86_400_000);
  const { rows: sends } = await sql<{ channel: Channel; month: string; sent: string; delivered: string; failed: string; bounced: string; complaints: string }>`
    select channel,
           to_char(date_trunc('month', coalesce(sent_at, created_at) at time zone ${tz}), 'YYYY-MM') as month,
           count(*) filter (where sent_at is not null) as sent,
           count(*) filter (where status = 'delivered') as delivered,
           count(*) filter (where status = 'failed') as failed,
           count(*) filter (where status = 'bounced') as bounced,
           count(*) filter (where status = 'complained') as complaints
      from outbox_messages
     where practice_id = ${practiceId} and created_at >= ${since} and status <> 'cancelled'
     group by 1, 2`.execute(db);
  const { rows: optOuts } = await sql<{ channel: Channel; month: string; n: string }>`
    select channel, to_char(date_trunc('month', at at time zone ${tz}), 'YYYY-MM') as month, count(distinct patient_id) as n
      from consent_events
     where practice_id = ${practiceId} and at >= ${since} and actor_kind = 'patient' and not subscribed
     group by 1, 2`.execute(db);
  const key = (c: string, m: string) => `${c}|${m}`;
  const byKey = new Map<string, DeliverabilityMonth>();
  const get = (channel: Channel, month: string) => {
    let row = byKey.get(key(channel, month));
    if (!row) byKey.set(key(channel, month), (row = { channel, month, sent: 0, delivered: 0, failed: 0, bounced: 0, complaints: 0, optOuts: 0 }));
    return row;
  };
  for (const s of sends) Object.assign(get(s.channel, s.month), { sent: Number(s.sent), delivered: Number(s.delivered), failed: Number(s.failed), bounced: Number(s.bounced), complaints: Number(s.complaints) });
  for (const o of optOuts) get(o.channel, o.month).optOuts = Number(o.n);
  const rows = [...byKey.values()].sort((a, b) => (a.channel === b.channel ? b.month.localeCompare(a.month) : a.channel === 'sms' ? -1 : 1));
  return { timeZone: tz, rows };
}
