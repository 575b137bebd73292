import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { checkPromotional } from '../../src/engagement/promotional-guard.ts';
import { startingText } from '../../src/emergency/notices.ts';

// The emergency notice preview (docs/rules.md, "Emergency notifications"): the exact text per
// channel with its character and segment count, every validation error at once, starting texts.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const WINDOW = { window_start: '2026-12-14T08:00', window_end: '2026-12-14T17:00' };
const decode = (html: string) => html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
const part = (html: string, testid: string) => decode(html.match(new RegExp(`data-testid="${testid}"[^>]*>([\\s\\S]*?)</`))?.[1] ?? '');

describe('what patients receive, as typed', () => {
  it('shows the final text per channel: practice name first, STOP last, with GSM-7 characters and segments', async () => {
    const director = await t.as('director@riverside.example');
    const message = 'Due to the ice storm the clinic is closed on Monday. Your appointment is cancelled; please call us to reschedule.';
    const res = await director.post('/emergency/final-text', { ...WINDOW, message, channels: ['sms', 'email'] }, { headers: { 'HX-Request': 'true' } });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<html');
    const sms = `Riverside Physical Therapy: ${message} Questions: (555) 010-2000. Reply STOP to opt out.`;
    expect(part(res.text, 'final-sms')).toBe(sms);
    expect(part(res.text, 'sms-counter').replace(/\s+/g, ' ')).toBe(`${sms.length} characters · 2 SMS segments (GSM-7, up to 153 per segment)`);
    expect(part(res.text, 'final-email-subject')).toBe('Important: Riverside Physical Therapy closure notice');
    expect(part(res.text, 'final-email')).toBe(
      `Riverside Physical Therapy\n\n${message}\n\nAffected: Mon, Dec 14, 8:00 AM – Mon, Dec 14, 5:00 PM CST\n\nQuestions or to reschedule, call (555) 010-2000.\n\nUnsubscribe: (a personal link for each patient)`,
    );
  });

  it('counts a curly apostrophe as UCS-2 (70 per segment) and names it', async () => {
    const director = await t.as('director@riverside.example');
    const res = await director.post('/emergency/final-text', { ...WINDOW, message: 'We’re closed today.', channels: ['sms'] });
    const sms = 'Riverside Physical Therapy: We’re closed today. Questions: (555) 010-2000. Reply STOP to opt out.';
    expect(part(res.text, 'sms-counter').replace(/\s+/g, ' ')).toBe(`${sms.length} characters · 2 SMS segments (UCS-2, up to 67 per segment)`);
    expect(decode(res.text)).toContain('“’” is not in the basic text alphabet');
    expect(part(res.text, 'final-email')).toBe('');
  });

  it('the full page without JavaScript shows the same texts after Preview, also beside validation errors', async () => {
    const director = await t.as('director@riverside.example');
    const res = await director.post('/emergency/preview', { reason: 'weather', window_start: '2026-12-14T08:00', window_end: '', message: 'Closed today.', channels: ['sms'] });
    expect(res.status).toBe(422);
    expect(part(res.text, 'final-sms')).toBe('Riverside Physical Therapy: Closed today. Questions: (555) 010-2000. Reply STOP to opt out.');
  });
});

describe('validation', () => {
  it('reports every error at once', async () => {
    const director = await t.as('director@riverside.example');
    const res = await director.post('/emergency/preview', { reason: '', window_start: '2026-02-30T08:00', window_end: '', message: '', channels: [] });
    expect(res.status).toBe(422);
    for (const error of ['Choose a reason.', 'Enter a valid start date and time.', 'Enter the end date and time.', 'Write the message patients will receive.', 'Choose text, email or both.']) {
      expect(res.text).toContain(error);
    }
    // A promotional text and a backwards window, together.
    const both = await director.post('/emergency/preview', { reason: 'weather', window_start: '2026-12-14T17:00', window_end: '2026-12-14T08:00', message: 'Closed. Get 20% off next week!', channels: ['sms'] });
    expect(both.status).toBe(422);
    expect(both.text).toContain('Marketing messages are not supported');
    expect(both.text).toContain('The end must be after the start.');
  });
});

describe('starting texts', () => {
  it('fills the message with the reason’s text for the window’s day, keeping the rest as typed, and each passes the guard', async () => {
    const director = await t.as('director@riverside.example');
    const res = await director.post('/emergency/starting-text', { reason: 'power', ...WINDOW, message: 'old words', channels: ['sms'] });
    expect(res.status).toBe(200);
    const expected = 'Due to a power outage, the clinic is closed on Monday, Dec 14. Your appointment is cancelled; please call us to reschedule.';
    expect(res.text).toContain(`>${expected}</textarea>`);
    expect(res.text).toContain('value="2026-12-14T17:00"');
    expect(part(res.text, 'final-sms')).toBe(`Riverside Physical Therapy: ${expected} Questions: (555) 010-2000. Reply STOP to opt out.`);

    const none = await director.post('/emergency/starting-text', { reason: '', ...WINDOW, message: 'kept', channels: ['sms'] });
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choose a reason to start from its text.');
    expect(none.text).toContain('>kept</textarea>');

    for (const reason of ['weather', 'power', 'illness', 'other']) {
      const text = startingText(reason, '2026-12-14T08:00', 'America/Chicago');
      expect(checkPromotional(text).ok).toBe(true);
      expect(text.length).toBeLessThanOrEqual(300);
    }
    expect(startingText('illness', undefined, 'America/Chicago')).toBe('Due to staff illness, appointments today are cancelled. Please call us to reschedule.');
  });
});
