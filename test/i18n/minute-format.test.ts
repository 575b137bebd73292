import { describe, expect, it } from 'vitest';
import { dateTimeFormat, zonedMinuteFormat } from '../../src/intl.ts';

// zonedMinuteFormat (src/intl.ts) writes the minute into text Intl made for the quarter hour around it;
// what it answers must be exactly what Intl answers, across every kind of offset and change of offset.

const OPTIONS = { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' } as const;
const ZONES = [
  'America/Chicago', // the US changes at 2:00 local, twice a year
  'America/St_Johns', // UTC−3:30 / −2:30
  'Asia/Kathmandu', // UTC+5:45
  'Australia/Lord_Howe', // +10:30 / +11: a change of half an hour
  'Pacific/Chatham', // +12:45 / +13:45
  'Pacific/Kiritimati', // +14
  'Europe/Dublin', // "negative" daylight saving in the zone data
  'UTC',
];

/** Every minute from `from` for `minutes`, and some seconds and milliseconds inside them. */
function* instants(from: number, minutes: number): Generator<Date> {
  for (let i = 0; i < minutes; i++) yield new Date(from + i * 60_000 + ((i * 7_919) % 60_000));
}

describe('zonedMinuteFormat', () => {
  it("answers Intl's text for every minute of both 2026 changes and a plain day, in zones of every kind of offset", () => {
    const fast = zonedMinuteFormat('en-US', OPTIONS);
    const windows = [Date.UTC(2026, 2, 7, 12), Date.UTC(2026, 3, 4, 12), Date.UTC(2026, 9, 3, 12), Date.UTC(2026, 10, 0, 12), Date.UTC(2026, 6, 15)];
    let compared = 0;
    for (const timeZone of ZONES) {
      const intl = dateTimeFormat('en-US', { ...OPTIONS, timeZone });
      // Each window spans the days around a northern or southern change, minute by minute.
      for (const start of windows) {
        for (const at of instants(start, 36 * 60)) {
          expect(fast(at, timeZone), `${timeZone} ${at.toISOString()}`).toBe(intl.format(at));
          compared++;
        }
      }
    }
    expect(compared).toBe(ZONES.length * 5 * 36 * 60);
  });

  it('formats through Intl where a quarter hour is not whole in the zone (local mean time, long ago)', () => {
    const fast = zonedMinuteFormat('en-US', OPTIONS);
    const intl = dateTimeFormat('en-US', { ...OPTIONS, timeZone: 'America/Chicago' });
    // Chicago kept local mean time (UTC−5:50:36) until 1883.
    for (const at of instants(Date.UTC(1880, 0, 1, 18), 120)) expect(fast(at, 'America/Chicago')).toBe(intl.format(at));
  });

  it('keeps one-digit minutes where the format asks for them, and Spanish text', () => {
    const minuteOnly = zonedMinuteFormat('en-US', { minute: 'numeric' });
    const spanish = zonedMinuteFormat('es-US', { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' });
    for (const at of instants(Date.UTC(2026, 10, 1, 5), 180)) {
      expect(minuteOnly(at, 'America/Denver')).toBe(dateTimeFormat('en-US', { minute: 'numeric', timeZone: 'America/Denver' }).format(at));
      expect(spanish(at, 'America/Denver')).toBe(
        dateTimeFormat('es-US', { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit', timeZone: 'America/Denver' }).format(at),
      );
    }
  });

  it("throws Intl's RangeError for an invalid date", () => {
    expect(() => zonedMinuteFormat('en-US', OPTIONS)(new Date(NaN), 'UTC')).toThrow(RangeError);
  });
});
