import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { TZDate } from '@date-fns/tz';
import { createTestContext, type TestContext } from '../support/context.ts';
import { reminderSendTime, reminderSendTimeSql } from '../../src/reminders/reminders.ts';

// The reminder run picks due reminders and their send times in SQL (reminderSendTimeSql); the rule
// is written in TypeScript too (reminderSendTime). Both must give the same instant: checked here on
// generated appointments in zones with and without daylight saving time, half of them placed so the
// lead-time moment falls within minutes of 08:00 or 20:55 local time, where the rule turns.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ seed: false });
});
afterAll(() => t.close());

const ZONES = [
  'America/Chicago', 'America/New_York', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage',
  'Pacific/Honolulu', 'America/St_Johns', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham',
];
const LEADS = [24, 48, 72] as const;
const TURNS = [[7, 59], [8, 0], [8, 1], [20, 54], [20, 55], [20, 56], [20, 59], [21, 0], [23, 59], [0, 0]] as const;

/** A small seeded generator (mulberry32), so a failure names a case that can be run again. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(n: number, seed: number) {
  const rnd = random(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const from = Date.parse('2025-01-01T00:00:00Z');
  const span = Date.parse('2029-01-01T00:00:00Z') - from;
  return Array.from({ length: n }, (_, i) => {
    const time_zone = pick(ZONES);
    const lead_hours = pick(LEADS);
    const channel = rnd() < 0.8 ? ('sms' as const) : ('email' as const);
    let startsAt = new Date(from + Math.floor(rnd() * span));
    if (i % 2 === 0) {
      // The lead-time moment at one of the turning minutes, any second and millisecond of it.
      const day = new TZDate(startsAt.getTime(), time_zone);
      const [h, m] = pick(TURNS);
      const moment = new TZDate(day.getFullYear(), day.getMonth(), day.getDate(), h, m, Math.floor(rnd() * 60), time_zone);
      startsAt = new Date(moment.getTime() + Math.floor(rnd() * 1000) + lead_hours * 3_600_000);
    }
    return { i, starts_at: startsAt.toISOString(), lead_hours, channel, time_zone };
  });
}

describe('reminder send time: SQL and TypeScript agree', () => {
  it('gives the same instant for 30,000 generated appointments, zones and lead times', async () => {
    const cases = generate(30_000, 20261203);
    const sendAt = reminderSendTimeSql({ startsAt: sql`c.starts_at`, leadHours: sql`c.lead_hours`, channel: sql`c.channel`, timeZone: sql`c.time_zone` });
    const { rows } = await sql<{ i: number; send_at: Date }>`
      select c.i, ${sendAt} as send_at
        from jsonb_to_recordset(${JSON.stringify(cases)}::jsonb) as c(i int, starts_at timestamptz, lead_hours int, channel text, time_zone text)
       order by c.i`.execute(t.db);
    expect(rows).toHaveLength(cases.length);
    const disagreements = rows
      .map((r) => {
        const c = cases[r.i]!;
        const expected = reminderSendTime(new Date(c.starts_at), c.lead_hours, c.channel, c.time_zone).toISOString();
        return { ...c, sql: new Date(r.send_at).toISOString(), expected };
      })
      .filter((d) => d.sql !== d.expected);
    expect(disagreements.slice(0, 5)).toEqual([]);
    // The generated cases do reach every branch: moved to the evening before, to the same evening, and kept.
    const moved = rows.filter((r) => new Date(r.send_at).getTime() !== Date.parse(cases[r.i]!.starts_at) - cases[r.i]!.lead_hours * 3_600_000);
    expect(moved.length).toBeGreaterThan(3_000);
    expect(moved.length).toBeLessThan(rows.length - 3_000);
  });
});
