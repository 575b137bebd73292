import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

// The practice marks its own thread resolved and reopens it (docs/rules.md, "Resolving a thread"):
// whoever may reply may do either; each is an event the console's history shows with the name.

let t: TestContext;
let claim: number;
let adminLevel: number;
beforeAll(async () => {
  t = await createTestContext();
  claim = (await t.db.selectFrom('tickets').select('id').where('subject', 'like', 'Claim denied%').executeTakeFirstOrThrow()).id;
  adminLevel = (await t.db.selectFrom('tickets').select('id').where('subject', '=', 'Change of billing contract owner').executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());

const ticket = (id: number) => t.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const events = (id: number) => t.db.selectFrom('ticket_events').select(['kind', 'actor_user_id', 'details']).where('ticket_id', '=', id).orderBy('id').execute();

describe('Resolving a thread from Get Help', () => {
  it('the front desk marks a thread resolved and reopens it; StrataPT sees who did it in the console history', async () => {
    const frontdesk = await t.as('frontdesk@riverside.example');
    let page = await frontdesk.get(`/tickets/${claim}`);
    expect(page.text).toContain(`action="/tickets/${claim}/closure"`);
    const res = await frontdesk.post(`/tickets/${claim}/closure`);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/tickets/${claim}`);
    expect((await ticket(claim)).status).toBe('closed');
    const closed = (await events(claim)).at(-1)!;
    expect(closed.kind).toBe('closed');
    expect(closed.actor_user_id).toBe(await t.userId('frontdesk@riverside.example'));
    page = await frontdesk.get(`/tickets/${claim}`);
    expect(page.text).toContain(`action="/tickets/${claim}/closure/delete"`);
    expect(page.text).toContain('Reopen thread');

    const vendor = await t.as('billing@stratapt.example');
    const history = (await vendor.get(`/vendor/tickets/${claim}`)).text;
    expect(history).toMatch(/Fiona Desmond\s*closed the thread/);

    // Someone else at the practice who can see it reopens it: it waits on StrataPT again.
    const owner = await t.as('owner@riverside.example');
    expect((await owner.post(`/tickets/${claim}/closure/delete`)).location).toBe(`/tickets/${claim}`);
    const reopened = await ticket(claim);
    expect(reopened.status).toBe('waiting_vendor');
    expect(reopened.closed_at).toBeNull();
    expect((await events(claim)).at(-1)).toMatchObject({ kind: 'reopened', actor_user_id: await t.userId('owner@riverside.example') });
    expect((await vendor.get(`/vendor/tickets/${claim}`)).text).toMatch(/Olivia Owens\s*reopened the thread/);
  });

  it('is refused to those who cannot reply: an invisible thread is a 404, Limit Messaging Access too', async () => {
    const frontdesk = await t.as('frontdesk@riverside.example'); // admin-level threads are for Practice Administrators and above
    expect((await frontdesk.post(`/tickets/${adminLevel}/closure`)).status).toBe(404);
    const limited = await t.as('limited@riverside.example');
    expect((await limited.post(`/tickets/${claim}/closure`)).status).toBe(404);
    const summit = await t.as('admin@summit.example');
    expect((await summit.post(`/tickets/${claim}/closure`)).status).toBe(404);
    expect((await ticket(adminLevel)).status).not.toBe('closed');
    expect((await ticket(claim)).status).not.toBe('closed');
  });

  it('cannot close away a response StrataPT required: the practice answers first', async () => {
    const eob = (await t.db.selectFrom('tickets').select('id').where('subject', 'like', 'EOB submission%').executeTakeFirstOrThrow()).id;
    const admin = await t.as('admin@summit.example');
    expect((await admin.get(`/tickets/${eob}`)).text).not.toContain(`action="/tickets/${eob}/closure"`);
    const res = await admin.post(`/tickets/${eob}/closure`);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Reply first');
    const after = await ticket(eob);
    expect(after.status).toBe('waiting_practice');
    expect(after.response_due_at).not.toBeNull();
    // Once answered, it may be marked resolved.
    expect((await admin.post(`/tickets/${eob}/messages`, { message: 'Uploaded; this is resolved for us.' })).status).toBe(303);
    expect((await admin.post(`/tickets/${eob}/closure`)).status).toBe(303);
    expect((await ticket(eob)).status).toBe('closed');
  });
});
