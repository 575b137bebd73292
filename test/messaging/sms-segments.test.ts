import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../src/messaging/sms-segments.ts';

describe('SMS segments', () => {
  it('counts GSM-7 basic characters one septet each: 160 in one message, 153 per part after', () => {
    expect(smsSegments('')).toMatchObject({ encoding: 'GSM-7', units: 0, segments: 0 });
    expect(smsSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1, perSegment: 160 });
    expect(smsSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', units: 161, segments: 2, perSegment: 153 });
    expect(smsSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(smsSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
    // Accented letters of the basic set stay GSM-7.
    expect(smsSegments('Café Müller, Ñandu à 5 £')).toMatchObject({ encoding: 'GSM-7', units: 24 });
  });

  it('counts extension characters (€ [ ] { } ~ ^ | \\) as two septets and never splits one between parts', () => {
    expect(smsSegments('€')).toMatchObject({ encoding: 'GSM-7', characters: 1, units: 2, segments: 1 });
    expect(smsSegments('a'.repeat(158) + '€')).toMatchObject({ units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(159) + '€')).toMatchObject({ units: 161, segments: 2 });
    expect(smsSegments('[]{}~^|\\')).toMatchObject({ units: 16 });
    // 152 septets then an escape pair: the pair moves to the second part instead of straddling.
    expect(smsSegments('a'.repeat(152) + '€' + 'a'.repeat(152))).toMatchObject({ units: 306, segments: 3 });
  });

  it('sends the whole text as UCS-2 when one character is outside GSM-7: 70 units, then 67 per part', () => {
    expect(smsSegments('a'.repeat(69) + 'ç')).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1, perSegment: 70, nonGsm: ['ç'] });
    expect(smsSegments('a'.repeat(70) + '’')).toMatchObject({ encoding: 'UCS-2', units: 71, segments: 2, perSegment: 67 });
    expect(smsSegments('a'.repeat(134) + '“')).toMatchObject({ units: 135, segments: 3 });
    // An emoji is two UTF-16 units, one character, and is never split.
    expect(smsSegments('😀')).toMatchObject({ encoding: 'UCS-2', characters: 1, units: 2 });
    expect(smsSegments('a'.repeat(66) + '😀' + 'a'.repeat(5))).toMatchObject({ units: 73, segments: 2 });
    expect(smsSegments('a'.repeat(66) + '😀' + 'a'.repeat(65))).toMatchObject({ units: 133, segments: 2 });
    expect(smsSegments('a'.repeat(66) + '😀' + 'a'.repeat(66))).toMatchObject({ units: 134, segments: 3 });
    expect(smsSegments('Reminder ú')).toMatchObject({ encoding: 'UCS-2', nonGsm: ['ú'] });
  });
});
