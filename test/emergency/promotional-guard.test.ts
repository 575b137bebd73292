import { describe, expect, it } from 'vitest';
import { checkPromotional } from '../../src/engagement/promotional-guard.ts';
import { PROMOTIONAL_REFUSAL } from '../../src/engagement/labels.ts';

// Ordinary closure wording must pass, including the words a naive filter trips on:
// free, offer, review, code, deal, rate, new, special, save, sale, off.
const ACCEPTED = [
  'Due to the ice storm, the clinic is closed today. Your appointment is cancelled; please call (555) 010-2000 to reschedule.',
  'We have lost power at the Main Street clinic and must cancel appointments until 3 PM. Feel free to call us to reschedule.',
  'The clinic is closed Monday because of staff illness. Please feel free to reply or call (555) 010-2000.',
  'Snow day: all appointments on Tuesday are cancelled. Call our toll-free line 1-800-555-0100 to rebook.',
  'Our building has no heat. We can offer you a telehealth visit at the same time instead; call to set it up.',
  'Flooding closed the road to the clinic. Please review your appointment time in the portal after we reopen.',
  'Power outage: we are closed until further notice. Your therapist will call you to find a new time.',
  'Because of the storm we will open late, at 11 AM. Appointments before 11 are moved; we will call you.',
  'The clinic is closed for a water leak today. Parking is free in the garage next door when we reopen Thursday.',
  'Our phone lines are down. Please email us or use the portal to reschedule. Sorry for the inconvenience.',
  'Due to a gas leak nearby the fire department closed our block. All visits today are cancelled.',
  'Severe weather warning: for your safety we are closing at 2 PM. Later appointments will be rescheduled.',
  'Our therapist is ill and must cancel her appointments today. Call us and we will find another time that works.',
  'The clinic will be closed on Friday due to an electrical inspection. We will deal with rescheduling by phone.',
  'Hurricane warning: the clinic is closed Wednesday and Thursday. Please stay safe and call us when you can.',
  'The office is closed because of a power failure. Your appointment is off the schedule; call to book a new one.',
  'Icy roads: please do not hurry. Appointments before noon are cancelled; we will call you with a new time.',
  'We are closed due to flooding. Do not come in. Our special instructions line is (555) 010-2000.',
  'Our elevator is out of service today, so the second-floor gym is closed. Please call to move your session.',
  'The clinic is closed today for an emergency repair. Save this number to reach us: (555) 010-2000.',
  'Due to illness, Dr. Lee cannot see patients this week. Reply to this email or call to reschedule at no cost.',
  'Power is only 50% restored and the building is closed. We will text you when we reopen.',
  'Water main break: the clinic is closed. We are sorry for the trouble this causes. Call us with any questions.',
  'Wildfire smoke: air quality is unsafe, so we are closed today. Please rate your symptoms with your doctor if needed.',
  'The clinic is closed while the landlord repairs the roof. We are sorry; your visit is not lost, call to rebook.',
  'The door code to the side entrance will not work during the outage; please wait for us to reopen.',
  'We are closing early at 1 PM because of the blizzard. Appointments after 1 PM will be moved to next week.',
  'Internet outage: we cannot check you in. Appointments today are postponed; our staff will call you.',
  'Our clinic is closed for a staff emergency. New appointment times will be offered by phone.',
  'Closed today (snow). Questions? Call (555) 010-2000. Reply STOP to opt out.',
  'Tornado warning in effect. The clinic is closed for the rest of the day. Stay safe.',
  'The clinic lost heating. Telehealth visits are available, at the same time, free of any rescheduling fee.',
];

// Each refused text, and the rule it must trip.
const REFUSED: [string, string][] = [
  ['We are closed today, but book next week and get 20% off your visit!', 'percentage off'],
  ['Closed for snow. Enjoy 15 percent off massages when we reopen.', 'percentage off'],
  ['Closed today. Take $10 off your next copay.', 'amount off'],
  ['Closed for the holiday: all sessions are discounted next week.', 'discount'],
  ['We are closed Monday. Use promo code SNOW20 at checkout.', 'promotion'],
  ['Closed for power. Our holiday promotion continues online.', 'promotion'],
  ['Closed today. Get a free massage with your next visit!', 'free offer'],
  ['Closed today. Book a free consultation for our new dry needling service.', 'free offer'],
  ['Closed today. Claim your free t-shirt when we reopen.', 'free offer'],
  ['Closed for snow. Our big winter sale starts tomorrow!', 'sale'],
  ['Closed today, but our braces are on sale at the front desk.', 'sale'],
  ['Refer a friend and you both get a gift card!', 'referral'],
  ['Closed today. Remember our referral program rewards you.', 'referral'],
  ['Closed today. Sign up for our newsletter to hear about reopening.', 'newsletter'],
  ['Closed today. Subscribe to our monthly tips on our website.', 'newsletter'],
  ['Closed today. We are excited about our new services: cupping and dry needling.', 'new services'],
  ['Closed today. Now offering aquatic therapy at our east location!', 'new services'],
  ['Closed for snow. While you wait, please leave us a review on Google!', 'review request'],
  ['Closed today. Rate us 5 stars if you loved your care.', 'review request'],
  ['Closed today. Please write a review of your therapist.', 'review request'],
  ['BOGO sessions when we reopen!', 'buy one get one'],
  ['Closed today. Buy one, get one half price on kinesio tape.', 'buy one get one'],
  ['Limited time: book this week and save.', 'limited time'],
  ['Closed Monday. Special offer for returning patients: call now.', 'special offer'],
  ['Closed today. Print this coupon for your next visit.', 'coupon'],
  ['Closed today. Enter our giveaway for a foam roller.', 'giveaway'],
  ['Closed today. Holiday gift cards are available at the front desk.', 'gift card'],
  ['Closed today. Ask about our membership deals when we reopen.', 'membership deal'],
  ['Closed today. Become a member of our wellness club and save.', 'membership deal'],
  ['Closed today. Save up to $50 on a session package.', 'savings'],
  ['Closed today. Follow us on Instagram for updates!', 'social media'],
  ['Closed today. Complimentary posture screening next week.', 'free offer'],
  ['Closed today. Act now: only a few spots left for our workshop.', 'limited time'],
  ['Closed today. Check out our holiday specials online.', 'special offer'],
  ['Closed today. Join our loyalty program to earn points.', 'membership deal'],
  ['Closed today — 2 for 1 sessions next week.', 'buy one get one'],
  ['Closed today. Twenty percent off all packages!', 'percentage off'],
  ['Closed today. Don’t miss out on our exclusive deals.', 'limited time'],
  ['Closed today. Half-price evaluations next week.', 'half price'],
  ['Closed today. Enter the sweepstakes for a chance to win a massage chair.', 'giveaway'],
  ['Closed today. Refer\u200B a friend for a bonus.', 'referral'],
  ['Closed today. 25％ off when you rebook.', 'percentage off'],
];

describe('checkPromotional: the transactional-only guard', () => {
  it('has at least 30 accepted and 30 refused examples', () => {
    expect(ACCEPTED.length).toBeGreaterThanOrEqual(30);
    expect(REFUSED.length).toBeGreaterThanOrEqual(30);
  });

  it.each(ACCEPTED)('accepts ordinary closure wording: %s', (text) => {
    expect(checkPromotional(text)).toEqual({ ok: true });
  });

  it.each(REFUSED)('refuses %s (%s)', (text, rule) => {
    const result = checkPromotional(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.matches.map((m) => m.rule)).toContain(rule);
    for (const m of result.matches) expect(m.text.length).toBeGreaterThan(0);
  });

  it('names every finding, once each', () => {
    const result = checkPromotional('20% off! Refer a friend. 20% off!');
    expect(result).toEqual({
      ok: false,
      matches: [
        { rule: 'percentage off', text: '20% off' },
        { rule: 'referral', text: 'Refer a friend' },
      ],
    });
  });

  it('explains why in the help page’s words', () => {
    expect(PROMOTIONAL_REFUSAL).toMatch(/deliverability/);
    expect(PROMOTIONAL_REFUSAL).toMatch(/appointment reminders and balance notices/);
    expect(PROMOTIONAL_REFUSAL).toMatch(/Patient Email Report/);
  });
});
