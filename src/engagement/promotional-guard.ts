// The transactional-only guard (docs/rules.md, Emergency notifications). Every path that lets staff write
// free text that goes to patients (today: emergency notices) checks it here first, and refuses
// marketing wording with the explanation below and a pointer to the Patient Email Report.
//
// The list is deliberately phrase-shaped, not word-shaped: "free" alone is ordinary closure
// wording ("feel free to call", "toll-free"), "offer" too ("we can offer a telehealth visit"),
// "review" too ("review your appointment in the portal"). A rule names the promotional use.
// test/emergency/promotional-guard.test.ts holds the accepted and refused examples; add a case
// there with every new rule.

export type PromotionalMatch = { rule: string; text: string };
export type PromotionalCheck = { ok: true } | { ok: false; matches: PromotionalMatch[] };

type Rule = { rule: string; pattern: RegExp };

const NUMBER_WORD = '(?:\\d{1,3}|ten|fifteen|twenty|twenty[- ]five|thirty|forty|fifty|half)';
const FREE_THINGS =
  'consult\\w*|screening\\w*|sessions?|visits?|assessments?|evaluations?|evals?|gifts?|trials?|massages?|class(?:es)?|workshops?|' +
  't-?shirts?|swag|months?|weeks?|treatments?|samples?|offers?|upgrades?|items?|merch\\w*|water bottles?|tote|bag|injury screen\\w*';

/** The documented list: what it catches, and the pattern. Case-insensitive, whole words. */
export const PROMOTIONAL_RULES: readonly Rule[] = [
  // Discounts, percentages and amounts off, savings.
  { rule: 'discount', pattern: /\bdiscount(?:s|ed)?\b/ },
  { rule: 'percentage off', pattern: new RegExp(`\\b${NUMBER_WORD}\\s?(?:%|percent|per cent)\\s*(?:off|discount|savings?)\\b`) },
  { rule: 'percentage off', pattern: /\d\s?%\s*off\b/ },
  { rule: 'amount off', pattern: /\$\s?\d[\d,]*(?:\.\d\d)?\s+off\b/ },
  { rule: 'half price', pattern: /\bhalf[- ](?:off|price)\b/ },
  { rule: 'savings', pattern: /\bsave\s+(?:up\s+to\s+|an?\s+extra\s+|big\b|\$|\d)/ },
  { rule: 'savings', pattern: /\b(?:big|huge|great|extra)\s+savings\b/ },
  { rule: 'price promotion', pattern: /\b(?:special|introductory|reduced|discounted|lowest|best|unbeatable|holiday)\s+(?:prices?|pricing|rates?)\b/ },
  { rule: 'price promotion', pattern: /\bprices?\s+(?:drop|cut|slashed|reduced)\b/ },
  { rule: 'cash back', pattern: /\b(?:cash\s?back|rebates?)\b/ },
  // Free offers.
  { rule: 'free offer', pattern: new RegExp(`\\bfree\\s+(?:${FREE_THINGS})\\b`) },
  { rule: 'free offer', pattern: /\b(?:get|claim|receive|grab|win)\s+(?:a\s+|an\s+|one\s+|your\s+)?(?:\w+\s+)?free\b/ },
  { rule: 'free offer', pattern: /\bfree\s+(?:with|when\s+you)\b/ },
  { rule: 'free offer', pattern: /\bcomplimentary\b/ },
  { rule: 'buy one get one', pattern: /\b(?:bogo|buy\s+one,?\s+get\s+one|two\s+for\s+one|2\s+for\s+1|2-for-1)\b/ },
  // Sales, promotions, codes, coupons.
  { rule: 'sale', pattern: /\b(?:on\s+sale|for\s+sale|sales?\s+event|clearance|black\s+friday|cyber\s+monday|flash\s+sale|(?:holiday|summer|winter|spring|fall|big|annual)\s+sale)\b/ },
  { rule: 'sale', pattern: /\bsale\b(?!\s+of\b)/ },
  { rule: 'promotion', pattern: /\bpromo(?:tion(?:s|al)?)?\b/ },
  { rule: 'promotion', pattern: /\b(?:discount|coupon|voucher|offer)\s+codes?\b/ },
  { rule: 'coupon', pattern: /\b(?:coupons?|vouchers?)\b/ },
  { rule: 'special offer', pattern: /\b(?:special|exclusive|limited|introductory|holiday|seasonal|bonus|new[- ]patient)\s+(?:offers?|deals?)\b/ },
  { rule: 'special offer', pattern: /\boffers?\s+(?:ends?|expires?|valid)\b/ },
  { rule: 'special offer', pattern: /\b(?:great|hot|best|amazing|membership|package)\s+deals?\b/ },
  { rule: 'special offer', pattern: /\b(?:holiday|seasonal|monthly|weekly|new[- ]patient|summer|winter|spring|fall)\s+specials?\b/ },
  { rule: 'special offer', pattern: /\bspecials\b/ },
  // Urgency.
  { rule: 'limited time', pattern: /\blimited[- ]time\b/ },
  { rule: 'limited time', pattern: /\b(?:act\s+now|while\s+supplies\s+last|don'?t\s+miss\s+out|hurry\s+in|last\s+chance|book\s+now\s+and\s+save|only\s+a\s+few\s+spots\s+left)\b/ },
  // Referrals.
  { rule: 'referral', pattern: /\breferrals?\b/ },
  { rule: 'referral', pattern: /\brefer\s+(?:a|your|one|two|three)?\s*(?:friends?|family|coworkers?|neighbou?rs?|someone)\b/ },
  { rule: 'referral', pattern: /\b(?:tell|bring)\s+(?:a|your)\s+friends?\b/ },
  // Newsletters and social media.
  { rule: 'newsletter', pattern: /\bnewsletters?\b/ },
  { rule: 'newsletter', pattern: /\b(?:subscribe\s+to\s+our|join\s+our\s+(?:mailing|email)\s+list|mailing\s+list)\b/ },
  { rule: 'social media', pattern: /\b(?:follow|like)\s+us\s+on\b/ },
  // New services and products.
  { rule: 'new services', pattern: /\bnew\s+(?:services?|treatments?|programs?|classes|products?|offerings?|therap(?:y|ies)\s+options?)\b/ },
  { rule: 'new services', pattern: /\b(?:now\s+offering|we\s+now\s+offer|introducing\s+(?:our|the)|grand\s+opening|now\s+available\s+at\s+our)\b/ },
  { rule: 'new services', pattern: /\b(?:shop|buy|order)\s+(?:now|today|online)\b/ },
  // Review and rating requests.
  { rule: 'review request', pattern: /\b(?:leave|write|post|give)\s+(?:us\s+)?(?:a|an|your)?\s*(?:\d-star\s+|five[- ]star\s+|quick\s+|positive\s+|google\s+|yelp\s+|honest\s+)?reviews?\b/ },
  { rule: 'review request', pattern: /\b(?:review|rate)\s+us\b/ },
  { rule: 'review request', pattern: /\brate\s+(?:your|our)\s+(?:visit|experience|care|therapist|clinic|practice|service)\b/ },
  { rule: 'review request', pattern: /\b(?:google|yelp|facebook)\s+reviews?\b|\b(?:5|five)[- ]stars?\b/ },
  // Gifts, giveaways, contests.
  { rule: 'giveaway', pattern: /\b(?:give-?aways?|sweepstakes|raffles?|contests?|chance\s+to\s+win|win\s+a|prizes?)\b/ },
  { rule: 'gift card', pattern: /\bgift\s+(?:cards?|certificates?|baskets?)\b/ },
  // Memberships and loyalty.
  { rule: 'membership deal', pattern: /\bmembership\s+(?:deals?|discounts?|offers?|specials?|plans?|programs?|promotions?|rates?|pricing)\b/ },
  { rule: 'membership deal', pattern: /\b(?:become\s+a\s+member|join\s+(?:our|the)\s+(?:membership|club|wellness\s+(?:club|plan|program))|loyalty|rewards?\s+(?:program|points|members?)|earn\s+points|wellness\s+(?:plans?|packages?|memberships?))\b/ },
  { rule: 'package deal', pattern: /\b(?:packages?\s+of\s+\d+\s+sessions|session\s+packages?|prepaid\s+packages?|bundle\s+and\s+save)\b/ },
];

/** Checks free text for promotional language; returns every rule it trips, each with the words found. */
export function checkPromotional(text: string): PromotionalCheck {
  const normalised = normalise(text);
  const found: (PromotionalMatch & { start: number; end: number })[] = [];
  for (const { rule, pattern } of PROMOTIONAL_RULES) {
    for (const m of normalised.matchAll(new RegExp(pattern.source, 'gi'))) {
      const start = m.index, end = m.index + m[0].length;
      found.push({ rule, text: m[0], start, end });
    }
  }
  // The same words found twice (by two patterns of one rule, or repeated in the text) are named once.
  const kept = found
    .filter((a) => !found.some((b) => b !== a && b.rule === a.rule && b.start <= a.start && b.end >= a.end && b.end - b.start > a.end - a.start))
    .sort((a, b) => a.start - b.start)
    .filter((a, i, all) => all.findIndex((b) => b.rule === a.rule && b.text.toLowerCase() === a.text.toLowerCase()) === i);
  return kept.length ? { ok: false, matches: kept.map(({ rule, text }) => ({ rule, text })) } : { ok: true };
}

/** One line naming what was found: “20% off” (percentage off), “refer a friend” (referral). */
export function describeMatches(matches: PromotionalMatch[]): string {
  return matches.map((m) => `“${m.text}” (${m.rule})`).join(', ');
}

// Compatibility forms (full-width %, ligatures) fold to plain ones; zero-width characters and
// soft hyphens, which can split a word past a pattern, are removed; runs of space become one.
function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/g, '')
    .replace(/[\u2018\u2019\u02BC]/g, "'")
    .replace(/\s+/g, ' ');
}
