// Money is integer cents everywhere; this reads it from text, and formatCents (src/intl.ts) writes it.

/**
 * "100", "100.5", "$1,234.56" -> cents. Null when it is not an amount with at most two decimals.
 * The sign is kept, so callers can say "negative amount" rather than "not a number".
 */
export function parseAmountToCents(raw: string | null | undefined): number | null {
  const text = (raw ?? '').trim().replace(/^\((.*)\)$/, '-$1').replace(/[$,\s]/g, '');
  const m = /^(-?)(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text) ?? /^(-?)()\.(\d{1,2})$/.exec(text);
  if (!m) return null;
  const cents = Number(m[2] || '0') * 100 + Number((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] === '-' ? -cents : cents;
}
