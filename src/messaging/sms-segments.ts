// How many SMS segments a text costs (docs/rules.md, "Emergency notifications"): the one counter
// behind the emergency notice preview, its unit tests and the reminders' length test.
//
// GSM 03.38: a text made only of the GSM-7 basic set and its extension table is sent in 7-bit
// septets; an extension character (an escape plus its code) takes two. 160 septets fit one message;
// a longer text is split into parts of 153 (the rest holds the concatenation header), and an escape
// pair is never split between parts. Any other character sends the whole text as UCS-2: 70 UTF-16
// units in one message, 67 per part, a surrogate pair (an emoji) never split.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';
export type SmsCount = {
  encoding: SmsEncoding;
  /** Characters as a reader counts them (code points). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 units (UCS-2). */
  units: number;
  segments: number;
  /** Units one segment holds at this length: 160/70 for a single message, 153/67 per part. */
  perSegment: number;
  /** The characters that forced UCS-2, each once, in order of appearance. */
  nonGsm: string[];
};

export function smsSegments(text: string): SmsCount {
  const chars = [...text];
  const nonGsm = [...new Set(chars.filter((ch) => !BASIC.has(ch) && !EXTENSION.has(ch)))];
  if (nonGsm.length === 0) {
    const sizes = chars.map((ch) => (EXTENSION.has(ch) ? 2 : 1));
    return count('GSM-7', chars.length, sizes, 160, 153, nonGsm);
  }
  return count('UCS-2', chars.length, chars.map((ch) => ch.length), 70, 67, nonGsm);
}

function count(encoding: SmsEncoding, characters: number, sizes: number[], single: number, part: number, nonGsm: string[]): SmsCount {
  const units = sizes.reduce((a, b) => a + b, 0);
  if (units === 0) return { encoding, characters, units, segments: 0, perSegment: single, nonGsm };
  if (units <= single) return { encoding, characters, units, segments: 1, perSegment: single, nonGsm };
  // Fill parts greedily; a character's units (escape pair, surrogate pair) stay in one part.
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > part) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding, characters, units, segments, perSegment: part, nonGsm };
}
