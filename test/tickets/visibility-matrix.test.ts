import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type Client, type TestContext } from '../support/context.ts';
import { loadActor, type Actor } from '../../src/auth/permissions.ts';
import { createTicket } from '../../src/tickets/create.ts';
import { listTickets } from '../../src/tickets/list.ts';
import { countUnreadTickets } from '../../src/tickets/unread.ts';
import { findSimilarTickets, searchTickets } from '../../src/tickets/search.ts';

// The Visible To matrix of SPEC.md section 2, checked on every surface a practice user has.
// The expectation below is written from the SPEC's words, independently of src/auth/permissions.ts.

type Person = { key: string; email: string; role: number; practice: 'riverside' | 'summit'; limited?: boolean; inactive?: boolean };
const PEOPLE: Person[] = [
  { key: 'owner', email: 'owner@riverside.example', role: 5, practice: 'riverside' },
  { key: 'admin', email: 'admin@riverside.example', role: 4, practice: 'riverside' },
  { key: 'director', email: 'director@riverside.example', role: 3, practice: 'riverside' },
  { key: 'pt', email: 'pt@riverside.example', role: 2, practice: 'riverside' },
  { key: 'frontdesk', email: 'frontdesk@riverside.example', role: 1, practice: 'riverside' },
  { key: 'limited', email: 'limited@riverside.example', role: 1, practice: 'riverside', limited: true },
  { key: 'limitedAdmin', email: 'limited-admin@riverside.example', role: 4, practice: 'riverside', limited: true },
  { key: 'inactiveAdmin', email: 'gone-admin@riverside.example', role: 4, practice: 'riverside', inactive: true },
  { key: 'summitAdmin', email: 'admin@summit.example', role: 4, practice: 'summit' },
  { key: 'summitPt', email: 'pt@summit.example', role: 2, practice: 'summit' },
];
const CREATORS = ['frontdesk', 'pt', 'admin', 'owner'];
const OPTIONS = ['only_me', 'anyone', 'owners', 'clinical', 'admins', 'person:director', 'person:frontdesk', 'person:self'] as const;
const WORDS = ['amber', 'basil', 'cobalt', 'dingo', 'ember', 'fjord', 'gecko', 'hazel', 'indigo', 'juniper', 'kelp', 'lotus', 'mango', 'nectar', 'onyx', 'pewter', 'quartz', 'raven', 'saffron', 'tundra', 'umber', 'violet', 'walnut', 'xenon', 'yarrow', 'zinnia'];

type MatrixTicket = { id: number; subject: string; attachmentId: number; creator: string; option: string; adminLevel: boolean };

let t: TestContext;
const ids: Record<string, number> = {};
const actors: Record<string, Actor> = {};
const clients: Record<string, Client> = {};
const unreadBefore: Record<string, number> = {};
const tickets: MatrixTicket[] = [];
const refused: { creator: string; option: string; adminLevel: boolean }[] = [];

function person(key: string): Person {
  return PEOPLE.find((p) => p.key === key)!;
}

/** SPEC.md section 2, as a table reader would apply it. */
function expectedVisible(viewerKey: string, tk: { creator: string; option: string; adminLevel: boolean }): boolean {
  const viewer = person(viewerKey);
  if (viewer.practice !== 'riverside' || viewer.limited || viewer.inactive) return false;
  if (tk.adminLevel && viewer.role < 4) return false;
  const isCreator = viewerKey === tk.creator;
  if (tk.option === 'only_me') return isCreator;
  if (tk.option.startsWith('person:')) {
    const named = tk.option.slice(7) === 'self' ? tk.creator : tk.option.slice(7);
    return viewerKey === named;
  }
  if (isCreator) return true;
  switch (tk.option) {
    case 'anyone':
      return true;
    case 'owners':
      return viewer.role === 5;
    case 'clinical':
      return viewer.role === 2 || viewer.role === 3;
    case 'admins':
      return viewer.role >= 4;
  }
  throw new Error(tk.option);
}

beforeAll(async () => {
  t = await createTestContext();
  const riverside = (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow()).id;
  await t.db
    .insertInto('users')
    .values([
      { kind: 'staff', practice_id: riverside, email: 'limited-admin@riverside.example', name: 'Lena Limited', role: 4, limit_messaging: true },
      { kind: 'staff', practice_id: riverside, email: 'gone-admin@riverside.example', name: 'Gary Gone', role: 4, active: false },
    ])
    .execute();
  for (const p of PEOPLE) {
    ids[p.key] = await t.userId(p.email);
    const user = await t.db.selectFrom('users').selectAll().where('id', '=', ids[p.key]).executeTakeFirstOrThrow();
    actors[p.key] = await loadActor(t.db, user);
    if (!p.inactive) clients[p.key] = await t.as(p.email);
    unreadBefore[p.key] = await countUnreadTickets(t.db, actors[p.key]);
  }
  let n = 0;
  for (const creator of CREATORS) {
    for (const adminLevel of person(creator).role >= 4 ? [false, true] : [false]) {
      for (const option of OPTIONS) {
        const subject = `Matrix ${WORDS[n % 26]} ${WORDS[Math.floor(n / 26) + 5]} case ${n}`;
        n++;
        const visibleTo = option.startsWith('person:') ? `user:${ids[option === 'person:self' ? creator : option.slice(7)]}` : option;
        const result = await createTicket(t.db, actors[creator], {
          fields: { subject, type: 'billing', message: `Body ${n}`, visible_to: visibleTo, ...(adminLevel ? { admin_level: 'on' } : {}) },
          files: [new File([`note ${n}\n`], `note-${n}.txt`, { type: 'text/plain' })],
          now: t.clock.now(),
          publicUrl: t.config.publicUrl,
        });
        if (!result.ok) {
          refused.push({ creator, option, adminLevel });
          continue;
        }
        const attachment = await t.db.selectFrom('ticket_attachments').select('id').where('ticket_id', '=', result.id).executeTakeFirstOrThrow();
        tickets.push({ id: result.id, subject, attachmentId: attachment.id, creator, option, adminLevel });
      }
    }
  }
});
afterAll(() => t.close());

describe('Visible To: which combinations can be created', () => {
  it('refuses exactly the combinations nobody at the practice could see', () => {
    const all = CREATORS.flatMap((creator) =>
      (person(creator).role >= 4 ? [false, true] : [false]).flatMap((adminLevel) => OPTIONS.map((option) => ({ creator, option, adminLevel }))),
    );
    const nobody = all.filter((c) => !PEOPLE.some((p) => expectedVisible(p.key, c)));
    expect(refused).toEqual(nobody);
    expect(nobody.length).toBeGreaterThan(0);
    expect(tickets.length).toBe(all.length - nobody.length);
  });
});

describe('Visible To matrix: list, unread count, search and suggestions', () => {
  for (const p of PEOPLE) {
    it(`${p.key} (role ${p.role}${p.limited ? ', Limit Messaging Access' : ''}${p.inactive ? ', inactive' : ''}, ${p.practice})`, async () => {
      const viewer = actors[p.key];
      const expected = tickets.filter((tk) => expectedVisible(p.key, tk)).map((tk) => tk.id).sort((a, b) => a - b);
      const matrixIds = new Set(tickets.map((tk) => tk.id));
      const sorted = (xs: number[]) => xs.filter((id) => matrixIds.has(id)).sort((a, b) => a - b);

      if (viewer.limit_messaging || !viewer.active) {
        await expect(listTickets(t.db, viewer, { pageSize: 500, now: t.clock.now() })).rejects.toThrow();
      } else {
        const list = await listTickets(t.db, viewer, { pageSize: 500, now: t.clock.now() });
        expect(sorted(list.rows.map((r) => r.id))).toEqual(expected);
      }

      const unreadNow = await countUnreadTickets(t.db, viewer);
      const expectedNewUnread = tickets.filter((tk) => expectedVisible(p.key, tk) && tk.creator !== p.key).length;
      expect(unreadNow - unreadBefore[p.key]).toBe(expectedNewUnread);

      const found = await searchTickets(t.db, viewer, 'matrix', { pageSize: 500 });
      expect(sorted(found.rows.map((r) => r.id))).toEqual(expected);

      for (const tk of tickets) {
        const similar = await findSimilarTickets(t.db, viewer, tk.subject);
        expect(similar.some((s) => s.id === tk.id), `suggestion of ${tk.option}${tk.adminLevel ? ' admin-level' : ''} by ${tk.creator}`).toBe(
          expectedVisible(p.key, tk),
        );
        for (const s of similar) expect(expectedVisible(p.key, tickets.find((x) => x.id === s.id) ?? { creator: '', option: 'anyone', adminLevel: false }) || !matrixIds.has(s.id)).toBe(true);
      }
    }, 120_000);
  }
});

describe('Visible To matrix: thread page, attachment, reply and direct URL', () => {
  for (const p of PEOPLE.filter((x) => !x.inactive)) {
    it(`${p.key} (role ${p.role}${p.limited ? ', Limit Messaging Access' : ''}, ${p.practice})`, async () => {
      const client = clients[p.key];
      for (const tk of tickets) {
        const visible = expectedVisible(p.key, tk);
        const label = `${tk.option}${tk.adminLevel ? ' admin-level' : ''} by ${tk.creator}`;
        const page = await client.get(`/tickets/${tk.id}`);
        expect(page.status, `thread ${label}`).toBe(visible ? 200 : 404);
        if (!visible) expect(page.text).not.toContain(tk.subject);
        const file = await client.get(`/tickets/${tk.id}/attachments/${tk.attachmentId}`);
        expect(file.status, `attachment ${label}`).toBe(visible ? 200 : 404);
        if (visible) expect(file.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        const before = (await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', tk.id).execute()).length;
        const reply = await client.post(`/tickets/${tk.id}/messages`, { message: `Reply from ${p.key}` });
        expect(reply.status, `reply ${label}`).toBe(visible ? 303 : 404);
        const after = (await t.db.selectFrom('ticket_messages').select('id').where('ticket_id', '=', tk.id).execute()).length;
        expect(after - before).toBe(visible ? 1 : 0);
      }
    }, 180_000);
  }
});
