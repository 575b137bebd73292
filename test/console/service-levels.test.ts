import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { businessMsBetween, targetStanding } from '../../src/tickets/service-levels.ts';
import { TARGET_CHOICES } from '../../src/tickets/labels.ts';

// The console's service levels through HTTP, as the vendor's team uses them: where each member
// lands, first-response targets, attachments both ways, the menu's unread count, canned replies.
// The demo world's clock starts Monday 2026-11-23 15:00Z (9:00 AM in Chicago).

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

async function ticketId(subject: string) {
  return (await t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;
}
function h1(html: string) {
  return /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1].replace(/<[^>]+>/g, '').trim();
}
function rowOf(html: string, subject: string) {
  const rows = html.split('<tr').filter((r) => r.includes(subject));
  expect(rows.length, subject).toBe(1);
  return rows[0];
}

describe('landing queues', () => {
  it('a member lands on their own department, a vendor admin on All open across departments', async () => {
    const cases: [string, string, string][] = [
      ['billing@stratapt.example', 'Billing/Patient queue', 'Waiting on StrataPT'],
      ['success@stratapt.example', 'Customer Success queue', 'Waiting on StrataPT'],
      ['support@stratapt.example', 'Technical Support queue', 'Waiting on StrataPT'],
      ['root@stratapt.example', 'All departments', 'All open'],
    ];
    for (const [email, heading, filter] of cases) {
      const page = await (await t.as(email)).get('/vendor');
      expect([email, page.status, h1(page.text)]).toEqual([email, 200, heading]);
      const current = /<a [^>]*aria-current="true"[^>]*>([^<]*)/.exec(page.text)?.[1].trim();
      expect([email, current]).toEqual([email, filter]);
    }
    // The admin's All open lists open threads of every department, oldest waiting first, and no closed one.
    const all = (await (await t.as('root@stratapt.example')).get('/vendor')).text;
    for (const subject of ['Change of billing contract owner', 'Daily note template for ACL protocol', 'Schedule view freezes when switching providers', 'EOB submission for October remittance']) {
      expect(all).toContain(subject);
    }
    expect(all.indexOf('EOB submission for October remittance')).toBeLessThan(all.indexOf('Schedule view freezes'));
    // A member cannot open a department that is not theirs, "all" included only for several queues.
    expect((await (await t.as('billing@stratapt.example')).get('/vendor/queues/technical')).status).toBe(404);
  });
});

describe('first-response targets', () => {
  it('counts business hours only: Friday 4 PM to Monday 4 PM in Chicago is one business day', () => {
    expect(businessMsBetween(new Date('2026-11-20T22:00:00Z'), new Date('2026-11-23T22:00:00Z')) / 3_600_000).toBe(24);
    // Saturday noon to Sunday noon: no business time at all.
    expect(businessMsBetween(new Date('2026-11-21T18:00:00Z'), new Date('2026-11-22T18:00:00Z'))).toBe(0);
    // Across the change from daylight time (Sunday 2026-11-01): Friday 9 AM CDT to Monday 9 AM CST = 24 h.
    expect(businessMsBetween(new Date('2026-10-30T14:00:00Z'), new Date('2026-11-02T15:00:00Z')) / 3_600_000).toBe(24);
    // A queue row only asks "past target?": counting stops soon after the target, not after months of days.
    const stopped = businessMsBetween(new Date('2025-01-01T00:00:00Z'), new Date('2026-11-23T15:00:00Z'), 'America/Chicago', 24 * 3_600_000);
    expect(stopped).toBeGreaterThan(24 * 3_600_000);
    expect(stopped).toBeLessThanOrEqual(48 * 3_600_000);
  });

  it('decides "past target" as the full count does, also when a wait of weeks takes the shortcut', () => {
    // Spans from an hour to five weeks, starting at any hour of 2026 (both daylight-saving changes
    // included), against every target a vendor admin can choose.
    let seed = 17;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let shortcuts = 0;
    for (let i = 0; i < 400; i++) {
      const start = new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 364 * 24) * 3_600_000);
      const now = new Date(start.getTime() + Math.floor(1 + next() * 35 * 24) * 3_600_000);
      const exact = businessMsBetween(start, now);
      for (const { hours } of TARGET_CHOICES) {
        const standing = targetStanding(start, now, hours);
        expect(standing.past, `${start.toISOString()} → ${now.toISOString()}, ${hours} h`).toBe(exact > hours * 3_600_000);
        expect(standing.businessMs).toBeLessThanOrEqual(exact);
        if (now.getTime() - start.getTime() >= 7 * 86_400_000 && standing.past) shortcuts++;
      }
    }
    expect(shortcuts).toBeGreaterThan(100);
  });

  it('a vendor admin sets targets (422 with a message at the field), and the queue marks rows past target', async () => {
    const admin = await t.as('root@stratapt.example');
    const settings = await admin.get('/vendor/settings');
    expect(settings.status).toBe(200);
    expect(settings.text).toMatch(/<option value="24" selected[^>]*>1 business day/);

    const bad = await admin.post('/vendor/settings', { billing: '24', success: '7', technical: '' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose a target for Customer Success from the list.');
    expect(bad.text).toContain('Choose a target for Technical Support from the list.');
    expect(bad.text).toMatch(/<option value="24" selected/);
    expect((await t.db.selectFrom('department_targets').select(['department', 'first_response_hours']).orderBy('department').execute()).map((r) => r.first_response_hours)).toEqual([24, 8, 4]);

    // Monday 9 AM: "Change of billing contract owner" has waited since Friday 11 AM (70 h by the
    // wall clock, 22 business hours): within its 1 business day.
    const billing = await t.as('billing@stratapt.example');
    let queue = await billing.get('/vendor/queues/billing');
    expect(queue.text).toContain('Billing/Patient 1 business day');
    expect(rowOf(queue.text, 'Change of billing contract owner')).toContain('Within 1 business day');
    expect(rowOf(queue.text, 'Change of billing contract owner')).toMatch(/70 h ago|2 d ago/);

    t.clock.advanceHours(3);
    queue = await (await t.as('billing@stratapt.example')).get('/vendor/queues/billing');
    const row = rowOf(queue.text, 'Change of billing contract owner');
    expect(row).toContain('Past target (1 business day)');
    expect(row).toMatch(/class="[^"]*past-target/);

    // Two business days: the same thread is back within target.
    const admin2 = await t.as('root@stratapt.example');
    const ok = await admin2.post('/vendor/settings', { billing: '48', success: '8', technical: '4' });
    expect(ok.status).toBe(303);
    const billing2 = await t.as('billing@stratapt.example');
    queue = await billing2.get('/vendor/queues/billing');
    expect(rowOf(queue.text, 'Change of billing contract owner')).toContain('Within 2 business days');
    await admin2.post('/vendor/settings', { billing: '24', success: '8', technical: '4' });

    // Only vendor admins reach the settings.
    expect((await billing2.get('/vendor/settings')).status).toBe(404);
    expect((await billing2.post('/vendor/settings', { billing: '2', success: '2', technical: '2' })).status).toBe(404);
  });
});

describe('attachments both ways', () => {
  it("the console lists the practice's attachment and downloads it, audit-logged; a member of another department gets 404", async () => {
    const id = await ticketId('Change of billing contract owner');
    const billing = await t.as('billing@stratapt.example');
    const page = await billing.get(`/vendor/tickets/${id}`);
    const href = /href="(\/vendor\/tickets\/\d+\/attachments\/\d+)"[^>]*>contract-contacts\.csv</.exec(page.text)?.[1];
    expect(href).toBeTruthy();
    const before = await t.db.selectFrom('audit_log').select('id').where('action', '=', 'ticket.attachment.downloaded').execute();
    const file = await billing.get(href!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="contract-contacts.csv"/);
    expect(file.text).toContain('contract owner,Dana Whitfield');
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'ticket.attachment.downloaded').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect((await t.db.selectFrom('audit_log').select('id').where('action', '=', 'ticket.attachment.downloaded').execute()).length).toBe(before.length + 1);
    const ticket = await t.db.selectFrom('tickets').select('practice_id').where('id', '=', id).executeTakeFirstOrThrow();
    expect([audit.actor_kind, audit.actor_user_id, audit.practice_id, audit.record_type]).toEqual(['vendor', await t.userId('billing@stratapt.example'), ticket.practice_id, 'ticket_attachment']);

    expect((await (await t.as('support@stratapt.example')).get(href!)).status).toBe(404);
  });

  it('a vendor reply carries files through the same type checks, and the practice downloads them', async () => {
    const id = await ticketId('Claim denied for knee visit (CO-197 authorization)');
    const billing = await t.as('billing@stratapt.example');
    const refused = new FormData();
    refused.set('message', 'Here is the corrected claim.');
    refused.append('files[]', new File([Buffer.from('MZ not a pdf')], 'claim.pdf', { type: 'application/pdf' }));
    const bad = await billing.post(`/vendor/tickets/${id}/replies`, refused);
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('claim.pdf cannot be attached');
    expect(bad.text).toContain('Here is the corrected claim.');
    expect(await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', id).where('body', '=', 'Here is the corrected claim.').execute()).toEqual([]);

    const form = new FormData();
    form.set('message', 'Here is the corrected claim.');
    form.append('files[]', new File([Buffer.from('%PDF-1.4\n%corrected claim\n')], 'corrected-claim.pdf', { type: 'application/pdf' }));
    const res = await billing.post(`/vendor/tickets/${id}/replies`, form);
    expect(res.status).toBe(303);
    const att = await t.db.selectFrom('ticket_attachments').selectAll().where('ticket_id', '=', id).where('filename', '=', 'corrected-claim.pdf').executeTakeFirstOrThrow();
    expect(att.content_type).toBe('application/pdf');

    const practice = await t.as('frontdesk@riverside.example');
    const thread = await practice.get(`/tickets/${id}`);
    expect(thread.text).toContain(`/tickets/${id}/attachments/${att.id}`);
    const dl = await practice.get(`/tickets/${id}/attachments/${att.id}`);
    expect(dl.status).toBe(200);
    expect(dl.text).toContain('%corrected claim');
    expect((await billing.get(`/vendor/tickets/${id}`)).text).toContain(`/vendor/tickets/${id}/attachments/${att.id}`);
  });
});

describe("the console menu's unread count", () => {
  it("counts unread open threads in the member's queues, and drops when one is read", async () => {
    const badge = async (email: string) => {
      const page = await (await t.as(email)).get('/vendor');
      return /href="\/vendor"[^>]*>Queues<span class="badge" aria-label="(\d+) unread">/.exec(page.text)?.[1] ?? '0';
    };
    const support = await t.as('support@stratapt.example');
    expect(await badge('support@stratapt.example')).toBe('1');
    await support.get(`/vendor/tickets/${await ticketId('Schedule view freezes when switching providers')}`);
    expect(await badge('support@stratapt.example')).toBe('0');
    // A practice message makes it unread again.
    const director = await t.as('director@riverside.example');
    t.clock.advanceMinutes(1);
    expect((await director.post(`/tickets/${await ticketId('Schedule view freezes when switching providers')}/messages`, { message: 'It happened again just now.' })).status).toBe(303);
    expect(await badge('support@stratapt.example')).toBe('1');
  });
});

describe('canned replies', () => {
  it('vendor admins create, edit and delete them; bad input is a 422 with a message at each field', async () => {
    const admin = await t.as('root@stratapt.example');
    const list = await admin.get('/vendor/macros');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Send the EOB');

    const bad = await admin.post('/vendor/macros', { department: 'sales', title: '', body: 'Hello {name}, see {practice}' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose a department.');
    expect(bad.text).toContain('Give the reply a title.');
    expect(bad.text).toContain('Unknown placeholder {name}: use {practice} or {first_name}.');
    expect(bad.text).toContain('Hello {name}, see {practice}');

    const created = await admin.post('/vendor/macros', { department: 'technical', title: 'Cleared cache', body: 'Hi {first_name}, clearing the cache fixed it for {practice}.' });
    expect(created.status).toBe(303);
    const row = await t.db.selectFrom('ticket_macros').selectAll().where('title', '=', 'Cleared cache').executeTakeFirstOrThrow();
    expect(row.department).toBe('technical');

    expect((await admin.post(`/vendor/macros/${row.id}`, { department: 'technical', title: 'Cache cleared', body: row.body })).status).toBe(303);
    expect((await t.db.selectFrom('ticket_macros').select('title').where('id', '=', row.id).executeTakeFirstOrThrow()).title).toBe('Cache cleared');
    expect((await admin.post(`/vendor/macros/${row.id}`, { department: 'technical', title: 'x'.repeat(121), body: row.body })).status).toBe(422);

    const member = await t.as('support@stratapt.example');
    expect((await member.get('/vendor/macros')).status).toBe(404);
    expect((await member.post(`/vendor/macros/${row.id}/delete`)).status).toBe(404);

    expect((await admin.post(`/vendor/macros/${row.id}/delete`)).status).toBe(303);
    expect(await t.db.selectFrom('ticket_macros').select('id').where('id', '=', row.id).execute()).toEqual([]);
  });

  it("inserts the department's macro with {first_name} and {practice} filled, after what was typed (htmx and without JavaScript)", async () => {
    const id = await ticketId('Change of billing contract owner'); // opened by Riverside's administrator
    const billing = await t.as('billing@stratapt.example');
    const page = await billing.get(`/vendor/tickets/${id}`);
    expect(page.text).toContain('Send the EOB');
    expect(page.text).not.toContain('Training sessions'); // Customer Success's
    const macro = await t.db.selectFrom('ticket_macros').select('id').where('title', '=', 'Claim resubmitted').executeTakeFirstOrThrow();
    const creator = await t.db.selectFrom('users').select('name').where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow();
    const practice = await t.db.selectFrom('practices').select('name').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
    const expected = `Thanks.\n\nHi ${creator.name.split(' ')[0]},\n\nWe corrected the claim and resubmitted it today. We will let ${practice.name} know when the payer responds.`;

    const box = await billing.post(`/vendor/tickets/${id}/reply-box`, { macro: String(macro.id), message: 'Thanks.  ' }, { headers: { 'HX-Request': 'true' } });
    expect(box.status).toBe(200);
    expect(box.text).not.toContain('<html');
    expect(decode(/<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(box.text)![1])).toBe(expected);

    const noJs = await billing.post(`/vendor/tickets/${id}/replies`, { intent: 'insert_macro', macro: String(macro.id), message: 'Thanks.' });
    expect(noJs.status).toBe(200);
    expect(decode(/<textarea[^>]*name="message"[^>]*>([\s\S]*?)<\/textarea>/.exec(noJs.text)![1])).toBe(expected);
    // Nothing was sent.
    expect(await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', id).where('author_side', '=', 'vendor').execute()).toEqual([]);

    // Another department's macro cannot be inserted here.
    const other = await t.db.selectFrom('ticket_macros').select('id').where('department', '=', 'success').executeTakeFirstOrThrow();
    const refused = await billing.post(`/vendor/tickets/${id}/reply-box`, { macro: String(other.id), message: 'Kept' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choose a canned reply from the list.');
    expect(refused.text).toContain('Kept');
  });
});

function decode(html: string): string {
  return html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
