import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { MAX_REQUEST_BYTES } from '../../src/app.tsx';

// An upload larger than anything the app accepts is refused before it is buffered, with a page that
// says why; one within the request limit but over a field's limit gets the field's message. The app
// keeps serving either way.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

function fileOf(bytes: number, name: string, type: string) {
  return new File([Buffer.alloc(bytes, 0x41)], name, { type });
}

describe('oversized uploads', () => {
  it('refuses a request body over the limit with 413 and a clear page, and stays healthy', async () => {
    const admin = await t.as('admin@riverside.example');
    const form = new FormData();
    form.set('kind', 'patients');
    form.set('file', fileOf(MAX_REQUEST_BYTES + 1024 * 1024, 'patients.csv', 'text/csv'));
    const res = await admin.post('/patients/import', form);
    expect(res.status).toBe(413);
    expect(res.text).toContain('Upload too large');
    expect(res.text).toContain('larger than 30 MB');
    expect((await t.anonymous().get('/healthz')).status).toBe(200);
    expect((await admin.get('/dashboard')).status).toBe(200);
    expect(t.logLines.some((l) => l.includes('request body too large'))).toBe(true);
  });

  it('refuses an attachment over 10 MB at its field (422), keeping what was typed', async () => {
    const admin = await t.as('admin@riverside.example');
    const ticket = await t.db.selectFrom('tickets').select('id').where('practice_id', '=', (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow()).id).where('visibility', '=', 'anyone').executeTakeFirstOrThrow();
    const form = new FormData();
    form.set('message', 'Here is the scan you asked for.');
    form.append('files[]', fileOf(11 * 1024 * 1024, 'scan.pdf', 'application/pdf'));
    const before = await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', ticket.id).execute();
    const res = await admin.post(`/tickets/${ticket.id}/messages`, form);
    expect(res.status).toBe(422);
    expect(res.text).toContain('at most 10 MB');
    expect(res.text).toContain('Here is the scan you asked for.');
    const after = await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', ticket.id).execute();
    expect(after).toHaveLength(before.length);
    expect((await admin.get('/dashboard')).status).toBe(200);
  });
});
