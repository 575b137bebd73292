import { describe, expect, it } from 'vitest';
import { parseDateOfBirth } from '../../src/portal/access.ts';

// The date of birth a patient types on the portal (three boxes, or an ISO date): a real calendar
// date, not in the future, not before 1890; anything else is no answer at all (docs/rules.md, Portal
// access: nothing shows until the date of birth matches). No database, so a mutant is judged at once.

const NOW = new Date('2026-11-24T16:00:00Z');

describe('parseDateOfBirth', () => {
  it('reads month, day and year boxes, spaces and leading zeros aside', () => {
    expect(parseDateOfBirth({ month: '4', day: '12', year: '1980' }, NOW)).toBe('1980-04-12');
    expect(parseDateOfBirth({ month: ' 04 ', day: '07 ', year: ' 1980' }, NOW)).toBe('1980-04-07');
    expect(parseDateOfBirth({ month: '12', day: '31', year: '1999' }, NOW)).toBe('1999-12-31');
  });

  it('reads an ISO date, which wins over the boxes; a blank one falls back to the boxes', () => {
    expect(parseDateOfBirth({ date: '1980-04-12' }, NOW)).toBe('1980-04-12');
    expect(parseDateOfBirth({ date: ' 1980-04-12 ' }, NOW)).toBe('1980-04-12');
    expect(parseDateOfBirth({ date: '1980-04-12', month: '1', day: '2', year: '2000' }, NOW)).toBe('1980-04-12');
    expect(parseDateOfBirth({ date: '   ', month: '1', day: '2', year: '2000' }, NOW)).toBe('2000-01-02');
    for (const date of ['1980-4-12', '80-04-12', 'x1980-04-12', '1980-04-12x', '1980/04/12', '1980-04-1']) expect(parseDateOfBirth({ date }, NOW), date).toBeNull();
  });

  it('refuses what is not a date: missing or non-numeric boxes, a two- or five-digit year, a day the month does not have', () => {
    const refused: { month?: string; day?: string; year?: string; date?: string }[] = [
      {},
      { month: '4', day: '12' },
      { month: '', day: '12', year: '1980' },
      { month: '4', day: '1x', year: '1980' },
      { month: 'a4', day: '12', year: '1980' },
      { month: '4', day: '12', year: '80' },
      { month: '4', day: '12', year: '01980' },
      { month: '13', day: '1', year: '1980' },
      { month: '0', day: '1', year: '1980' },
      { month: '2', day: '30', year: '1980' },
      { month: '2', day: '29', year: '2001' },
      { month: '4', day: '31', year: '1980' },
      { month: '4', day: '0', year: '1980' },
      { date: '1980-13-01' },
      { date: '1980-02-30' },
      { date: '0050-01-01' },
    ];
    expect(refused.map((input) => parseDateOfBirth(input, NOW))).toEqual(refused.map(() => null));
    expect(parseDateOfBirth({ month: '2', day: '29', year: '2000' }, NOW)).toBe('2000-02-29');
  });

  it('from 1 January 1890 to today, not before and not after', () => {
    expect(parseDateOfBirth({ date: '1889-12-31' }, NOW)).toBeNull();
    expect(parseDateOfBirth({ date: '1890-01-01' }, NOW)).toBe('1890-01-01');
    expect(parseDateOfBirth({ date: '2026-11-24' }, NOW)).toBe('2026-11-24');
    expect(parseDateOfBirth({ date: '2026-11-25' }, NOW)).toBeNull();
    expect(parseDateOfBirth({ month: '11', day: '25', year: '2026' }, NOW)).toBeNull();
  });
});
