import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor } from '../../src/auth/permissions.ts';
import { searchTickets, findSimilarTickets } from '../../src/tickets/search.ts';
import { searchPatients } from '../../src/patients/search.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

async function actor(email: string) {
  const user = await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  return loadActor(t.db, user);
}
async function patientId(account: string) {
  return (await t.db.selectFrom('patients').select('id').where('account_number', '=', account).executeTakeFirstOrThrow()).id;
}
async function ticketCount() {
  return Number((await t.db.selectFrom('tickets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
}
function threadId(location: string | null): number {
  const m = location?.match(/\/tickets\/(\d+)/) ?? location?.match(/created=(\d+)/);
  if (!m) throw new Error(`no thread id in ${location}`);
  return Number(m[1]);
}

describe('Get Help', () => {
  it('lists visible threads newest first with type, patient, status, the phone number and the green button', async () => {
    const owner = await t.as('owner@riverside.example');
    const res = await owner.get('/tickets');
    expect(res.status).toBe(200);
    expect(res.text).toContain('866-281-7636');
    expect(res.text).toMatch(/class="button primary" href="\/tickets\/new">\s*Create New Message Thread/);
    expect(res.text).toContain('Claim denied for knee visit');
    expect(res.text).toContain('Gonzalez, Maria (R-1002)');
    expect(res.text).toContain('Billing/Patient');
    expect(res.text).toContain('Waiting on your practice');
    // Summit's threads never appear at Riverside.
    expect(res.text).not.toContain('EOB submission');
    // Newest activity first: the director's only-me thread is not visible to the owner; the clinical one is not either.
    const order = ['Change of billing contract owner', 'Claim denied for knee visit'].map((s) => res.text.indexOf(s));
    expect(order[1]).toBeLessThan(order[0]);
  });

  it('tells a user with Limit Messaging Access why there is nothing, and refuses the form and threads', async () => {
    const limited = await t.as('limited@riverside.example');
    const res = await limited.get('/tickets');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Limit Messaging Access');
    expect(res.text).not.toContain('Claim denied');
    expect(res.text).not.toContain('Create New Message Thread');
    expect((await limited.get('/tickets/new')).status).toBe(404);
    const anyTicket = await t.db.selectFrom('tickets').select('id').where('visibility', '=', 'anyone').executeTakeFirstOrThrow();
    expect((await limited.get(`/tickets/${anyTicket.id}`)).status).toBe(404);
    const before = await ticketCount();
    expect((await limited.post('/tickets', { subject: 'x', type: 'billing', message: 'y', visible_to: 'anyone' })).status).toBe(404);
    expect(await ticketCount()).toBe(before);
  });

  it('marks unread threads and counts them on the menu; opening a thread clears its marker', async () => {
    const owner = await t.as('owner@riverside.example');
    const claim = await t.db.selectFrom('tickets').select('id').where('subject', 'like', 'Claim denied%').executeTakeFirstOrThrow();
    let list = await owner.get('/tickets');
    expect(list.text).toMatch(new RegExp(`<tr class="unread" data-ticket-id="${claim.id}"`));
    const badge = (html: string) => Number(html.match(/aria-label="(\d+) unread"/)?.[1] ?? 0);
    const before = badge(list.text);
    expect(before).toBeGreaterThan(0);
    await owner.get(`/tickets/${claim.id}`);
    list = await owner.get('/tickets');
    expect(list.text).not.toMatch(new RegExp(`<tr class="unread" data-ticket-id="${claim.id}"`));
    expect(badge(list.text)).toBe(before - 1);
  });
});

describe('creating a thread', () => {
  it('creates a thread with a linked patient, routes it by type, notifies the department, and shows it', async () => {
    const pt = await t.as('pt@riverside.example');
    const maria = await patientId('R-1002');
    const before = await ticketCount();
    const res = await pt.post('/tickets', {
      subject: 'Home exercise printout missing',
      type: 'technical',
      message: 'The home exercise program does not print.',
      patient_id: String(maria),
      visible_to: 'clinical',
    });
    expect(res.status).toBe(303);
    const id = threadId(res.location);
    expect(await ticketCount()).toBe(before + 1);
    const row = await t.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ department: 'technical', visibility: 'clinical', patient_id: maria, status: 'waiting_vendor', admin_level: false, response_due_at: null });
    const events = await t.db.selectFrom('ticket_events').select('kind').where('ticket_id', '=', id).execute();
    expect(events.map((e) => e.kind)).toEqual(['created']);
    const mail = await t.db.selectFrom('outbox_messages').selectAll().where('kind', '=', 'ticket_notification').where('reason', '@>', JSON.stringify({ ticketId: id }) as never).execute();
    // Technical Support's queue, the vendor admin (in every department) and Riverside's account manager.
    expect(mail.map((m) => m.recipient).sort()).toEqual(['root@stratapt.example', 'success@stratapt.example', 'support@stratapt.example']);
    for (const m of mail) {
      expect(m.body).not.toContain('Home exercise');
      expect(m.body).not.toContain('Gonzalez');
    }
    const page = await pt.get(`/tickets/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Home exercise printout missing');
    expect(page.text).toContain('The home exercise program does not print.');
    expect(page.text).toContain('Gonzalez, Maria · DOB 04/12/1980 · R-1002 · Active · Left knee ACL rehabilitation');
  });

  it('with a named colleague in Visible To, the creator loses the thread and is told so; the colleague has it', async () => {
    const owner = await t.as('owner@riverside.example');
    const pt = await t.userId('pt@riverside.example');
    const res = await owner.post('/tickets', { subject: 'Private question for Paul', type: 'success', message: 'Hi Paul', visible_to: `user:${pt}` });
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/tickets\?created=\d+$/);
    const id = threadId(res.location);
    const row = await t.db.selectFrom('tickets').select(['visibility', 'visible_user_id']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ visibility: 'person', visible_user_id: pt });
    const list = await owner.get(res.location!);
    expect(list.text).toContain(`Thread #${id} was created`);
    expect(list.text).not.toContain('Private question for Paul');
    expect((await owner.get(`/tickets/${id}`)).status).toBe(404);
    const paul = await t.as('pt@riverside.example');
    expect((await paul.get('/tickets')).text).toContain('Private question for Paul');
    expect((await paul.get(`/tickets/${id}`)).status).toBe(200);
  });

  it('is a page for practice staff only: the vendor team gets 404 here', async () => {
    const vendor = await t.as('root@stratapt.example');
    expect((await vendor.get('/tickets')).status).toBe(404);
    expect((await vendor.get('/tickets/new')).status).toBe(404);
  });

  it('refuses bad input with a message at each field, keeps what was typed and creates nothing', async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const summitPatient = await patientId('S-5001');
    const before = await ticketCount();
    const res = await fd.post('/tickets', {
      subject: '',
      type: 'nonsense',
      message: 'Keep this text please',
      patient_id: String(summitPatient),
      visible_to: 'user:999999',
      admin_level: 'on',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter a subject.');
    expect(res.text).toContain('Choose the type of question');
    expect(res.text).toContain('That patient account was not found at your practice');
    expect(res.text).toContain('Choose one of the listed options');
    expect(res.text).toContain('Only Practice Administrators and above can create admin-level threads.');
    expect(res.text).toContain('Keep this text please');
    expect(await ticketCount()).toBe(before);
  });

  it('refuses over-long subjects and messages', async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const res = await fd.post('/tickets', { subject: 'x'.repeat(201), type: 'billing', message: 'y'.repeat(20_001), visible_to: 'anyone' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Use at most 200 characters.');
    expect(res.text).toContain('Use at most 20,000 characters.');
  });

  it('refuses inactive and Limit Messaging staff as the named person, and other-practice staff', async () => {
    const owner = await t.as('owner@riverside.example');
    const limited = await t.userId('limited@riverside.example');
    const summit = await t.userId('admin@summit.example');
    const inactive = (await t.db
      .insertInto('users')
      .values({ kind: 'staff', practice_id: (await actor('owner@riverside.example')).practice_id, email: 'gone@riverside.example', name: 'Gina Gone', role: 2, active: false })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
    const form = await owner.get('/tickets/new');
    expect(form.text).not.toContain('Liam Lim');
    expect(form.text).not.toContain('Gina Gone');
    expect(form.text).not.toContain('Sam Summers');
    const before = await ticketCount();
    for (const id of [limited, summit, inactive]) {
      const res = await owner.post('/tickets', { subject: 'For one person', type: 'billing', message: 'Hello', visible_to: `user:${id}` });
      expect(res.status).toBe(422);
      expect(res.text).toContain('Choose one of the listed options');
      expect(res.text).toContain('For one person');
    }
    expect(await ticketCount()).toBe(before);
  });

  it('refuses a combination nobody could see: admin-level with a named Front Desk user', async () => {
    const admin = await t.as('admin@riverside.example');
    const fd = await t.userId('frontdesk@riverside.example');
    const before = await ticketCount();
    const res = await admin.post('/tickets', { subject: 'Contract', type: 'billing', message: 'Hi', visible_to: `user:${fd}`, admin_level: 'on' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Nobody could see this thread');
    expect(await ticketCount()).toBe(before);
    const preview = await admin.get(`/tickets/new/audience?visible_to=user:${fd}&admin_level=on`);
    expect(preview.text).toContain('Nobody could see this thread');
  });

  it('requires Show All for an inactive account and links it when ticked', async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const harold = await patientId('R-1003');
    const refused = await fd.post('/tickets', { subject: 'Old account', type: 'billing', message: 'Hi', visible_to: 'anyone', patient_id: String(harold) });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Tick Show All');
    const ok = await fd.post('/tickets', { subject: 'Old account', type: 'billing', message: 'Hi', visible_to: 'anyone', patient_id: String(harold), show_all: 'on' });
    expect(ok.status).toBe(303);
    const row = await t.db.selectFrom('tickets').select('patient_id').where('id', '=', threadId(ok.location)).executeTakeFirstOrThrow();
    expect(row.patient_id).toBe(harold);
  });

  it('sends Product Feedback to the Feedback portal instead of creating a ticket', async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const before = await ticketCount();
    const res = await fd.post('/tickets', { subject: 'Dark mode', type: 'feedback', message: 'Please', visible_to: 'anyone' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="/feedback"');
    expect(await ticketCount()).toBe(before);
  });

  it('names the account manager during hypercare, not after', async () => {
    const owner = await t.as('owner@riverside.example');
    const res = await owner.get('/tickets/new');
    expect(res.text).toContain('Hypercare');
    expect(res.text).toContain('Sofia Castillo');
    const summit = await t.as('pt@summit.example');
    expect((await summit.get('/tickets/new')).text).not.toContain('Hypercare');
  });

  it('previews the audience, with the plain warning when a named colleague is chosen', async () => {
    const owner = await t.as('owner@riverside.example');
    const pt = await t.userId('pt@riverside.example');
    const clinical = await owner.get('/tickets/new/audience?visible_to=clinical');
    expect(clinical.text).toContain('Olivia Owens');
    expect(clinical.text).toContain('Paul Torres');
    expect(clinical.text).toContain('Diana Diaz');
    expect(clinical.text).not.toContain('Fiona Desmond');
    expect(clinical.text).not.toContain('You will no longer see');
    const named = await owner.get(`/tickets/new/audience?visible_to=user:${pt}`);
    expect(named.text).toContain('You will no longer see this thread after you create it.');
    expect(named.text).toContain('Paul Torres');
    expect(named.text).not.toContain('Olivia Owens');
    // Without JavaScript the same preview comes from the form itself.
    const noJs = await owner.post('/tickets', { intent: 'preview', subject: 'Typed', visible_to: `user:${pt}`, type: 'billing', message: 'Kept' });
    expect(noJs.status).toBe(200);
    expect(noJs.text).toContain('You will no longer see this thread after you create it.');
    expect(noJs.text).toContain('Kept');
  });
});

describe('patient dropdown', () => {
  it('lists active accounts, finds inactive ones with Show All, by name, account number, date of birth and small typos', async () => {
    const fd = await actor('frontdesk@riverside.example');
    const names = (rows: { first_name: string; last_name: string; account_number: string }[]) => rows.map((r) => r.account_number);
    expect(names(await searchPatients(t.db, fd, 'Finch'))).toEqual([]);
    expect(names(await searchPatients(t.db, fd, 'Finch', { includeInactive: true }))).toEqual(['R-1003']);
    expect(names(await searchPatients(t.db, fd, 'gonzalez')).sort()).toEqual(['R-1001', 'R-1002']);
    expect(names(await searchPatients(t.db, fd, 'maria gonzales')).sort()).toEqual(['R-1001', 'R-1002']);
    expect(names(await searchPatients(t.db, fd, 'R-1004'))).toEqual(['R-1004']);
    expect(names(await searchPatients(t.db, fd, '04/12/1980')).sort()).toEqual(['R-1001', 'R-1002']);
    expect(names(await searchPatients(t.db, fd, '1975-09-30'))).toEqual(['R-1004']);
    expect(names(await searchPatients(t.db, fd, 'S-5001'))).toEqual([]);
    const both = await searchPatients(t.db, fd, 'maria');
    expect(both.map((p) => p.latest_case).sort()).toEqual(['Left knee ACL rehabilitation', 'Right shoulder impingement']);
    const client = await t.as('frontdesk@riverside.example');
    const fragment = await client.get('/tickets/new/patients?patient_q=finch&show_all=on');
    expect(fragment.text).toContain('Finch, Harold · DOB 02/03/1961 · R-1003 · Inactive · Low back pain');
    // Without JavaScript: the form's "Search patients" button re-renders the form with the matches.
    const noJs = await client.post('/tickets', { intent: 'find_patient', patient_q: 'finch', show_all: 'on', subject: 'Kept subject' });
    expect(noJs.status).toBe(200);
    expect(noJs.text).toContain('Finch, Harold');
    expect(noJs.text).toContain('Kept subject');
  });
});

describe('search', () => {
  it('finds a subject despite a typo and by substring, visible threads only', async () => {
    const owner = await actor('owner@riverside.example');
    const typo = await searchTickets(t.db, owner, 'authorisation');
    expect(typo.rows.map((r) => r.subject)).toContain('Claim denied for knee visit (CO-197 authorization)');
    const sub = await searchTickets(t.db, owner, 'CO-197');
    expect(sub.rows.map((r) => r.subject)).toEqual(['Claim denied for knee visit (CO-197 authorization)']);
    // The director's Only Me thread is not the owner's to find.
    expect((await searchTickets(t.db, owner, 'schedule view freezes')).rows).toEqual([]);
    const director = await actor('director@riverside.example');
    expect((await searchTickets(t.db, director, 'schedule view freezes')).rows.length).toBe(1);
    const client = await t.as('owner@riverside.example');
    const page = await client.get('/tickets?q=authorisation');
    expect(page.text).toContain('Claim denied for knee visit');
    expect(page.text).not.toContain('Change of billing contract owner');
  });

  it('suggests up to five similar visible threads while a subject is typed', async () => {
    const fd = await actor('frontdesk@riverside.example');
    const similar = await findSimilarTickets(t.db, fd, 'claim denied knee');
    expect(similar.map((s) => s.subject)).toContain('Claim denied for knee visit (CO-197 authorization)');
    expect(await findSimilarTickets(t.db, fd, 'contract owner')).toEqual([]);
    const client = await t.as('frontdesk@riverside.example');
    const fragment = await client.get('/tickets/new/similar?subject=claim%20denied');
    expect(fragment.text).toContain('Already asked?');
    expect(fragment.text).toContain('Claim denied for knee visit');
  });
});

describe('conversation', () => {
  it('hides internal notes, replies with attachments, reopens a closed thread and serves the files', async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const claim = await t.db.selectFrom('tickets').selectAll().where('subject', 'like', 'Claim denied%').executeTakeFirstOrThrow();
    await t.db
      .insertInto('ticket_messages')
      .values({ ticket_id: claim.id, practice_id: claim.practice_id, author_user_id: await t.userId('billing@stratapt.example'), author_side: 'vendor', internal: true, body: 'INTERNAL: payer portal is slow', created_at: t.clock.now() })
      .execute();
    await t.db.updateTable('tickets').set({ status: 'closed', closed_at: t.clock.now() }).where('id', '=', claim.id).execute();
    const page = await fd.get(`/tickets/${claim.id}`);
    expect(page.text).not.toContain('INTERNAL');
    expect(page.text).toContain('This thread is closed. Replying reopens it.');

    const form = new FormData();
    form.set('message', 'Authorization number is A-778.');
    form.append('files[]', new File([Buffer.from('%PDF-1.4\n%test\n')], 'auth letter.pdf', { type: 'application/pdf' }));
    form.append('files[]', new File(['a,b\n1,2\n'], 'codes.csv', { type: 'text/csv' }));
    t.clock.advanceMinutes(5);
    const res = await fd.post(`/tickets/${claim.id}/messages`, form);
    expect(res.status).toBe(303);
    const after = await t.db.selectFrom('tickets').selectAll().where('id', '=', claim.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'waiting_vendor', closed_at: null, response_due_at: null });
    const kinds = (await t.db.selectFrom('ticket_events').select('kind').where('ticket_id', '=', claim.id).orderBy('id').execute()).map((e) => e.kind);
    expect(kinds).toEqual(['practice_reply', 'reopened']);
    const files = await t.db.selectFrom('ticket_attachments').select(['id', 'filename', 'content_type']).where('ticket_id', '=', claim.id).orderBy('id').execute();
    expect(files.map((f) => [f.filename, f.content_type])).toEqual([
      ['auth letter.pdf', 'application/pdf'],
      ['codes.csv', 'text/csv; charset=utf-8'],
    ]);
    // The thread links each file for the browser to download, not for htmx's boosted navigation to swap in.
    const thread = await fd.get(`/tickets/${claim.id}`);
    expect(thread.text).toContain(`<a href="/tickets/${claim.id}/attachments/${files[0].id}" hx-boost="false">auth letter.pdf</a>`);
    const pdf = await fd.get(`/tickets/${claim.id}/attachments/${files[0].id}`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="auth letter.pdf"; filename*=UTF-8''auth%20letter.pdf`);
    expect(pdf.text).toContain('%PDF-1.4');
    // Another practice, or an invisible thread: not found.
    const summit = await t.as('admin@summit.example');
    expect((await summit.get(`/tickets/${claim.id}/attachments/${files[0].id}`)).status).toBe(404);
  });

  it('refuses a file that is too large or of another type, with a clear message, keeping the text', async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const claim = await t.db.selectFrom('tickets').select('id').where('subject', 'like', 'Claim denied%').executeTakeFirstOrThrow();
    const count = async () => (await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', claim.id).execute()).length;
    const before = await count();
    const big = new FormData();
    big.set('message', 'Here is the big scan');
    big.append('files[]', new File([new Uint8Array(10 * 1024 * 1024 + 1)], 'scan.pdf', { type: 'application/pdf' }));
    const r1 = await fd.post(`/tickets/${claim.id}/messages`, big);
    expect(r1.status).toBe(422);
    expect(r1.text).toContain('each file may be at most 10 MB');
    expect(r1.text).toContain('Here is the big scan');
    const exe = new FormData();
    exe.set('message', 'A program');
    exe.append('files[]', new File(['MZ...'], 'tool.exe', { type: 'application/octet-stream' }));
    const r2 = await fd.post(`/tickets/${claim.id}/messages`, exe);
    expect(r2.status).toBe(422);
    expect(r2.text).toContain('only PDF, images (PNG, JPEG, GIF, WebP), CSV and text files are accepted');
    const fake = new FormData();
    fake.set('message', 'Not really a PDF');
    fake.append('files[]', new File(['<html>'], 'x.pdf', { type: 'application/pdf' }));
    expect((await fd.post(`/tickets/${claim.id}/messages`, fake)).status).toBe(422);
    const empty = await fd.post(`/tickets/${claim.id}/messages`, { message: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Write your reply.');
    expect(await count()).toBe(before);
  });
});
