import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

// The outbox's patient and practice are checked once per statement, not by foreign keys
// (migrations/20261204_0300_outbox_reference_checks.ts; docs/rules.md, Balance alerts, "What a run
// writes"). What the foreign keys guaranteed must still hold, on both databases.

let t: TestContext;
let practiceId: number;
let counter = 0;

beforeAll(async () => {
  t = await createTestContext({ seed: false, now: '2026-11-23T15:00:00Z' });
  practiceId = (
    await t.db
      .insertInto('practices')
      .values({ name: 'Riverside Physical Therapy', phone: '(555) 010-2000', time_zone: 'America/Chicago', go_live_on: '2026-01-01', hypercare_days: 60 })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});
afterAll(() => t.close());

/** A patient with nothing else naming them, so only the outbox can keep them from being deleted. */
async function patient(): Promise<number> {
  counter++;
  const row = await t.db
    .insertInto('patients')
    .values({ practice_id: practiceId, account_number: `REF-${counter}`, first_name: 'Ref', last_name: `Patient${counter}`, date_of_birth: '1970-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function message(o: { practice_id: number | null; patient_id: number | null }) {
  counter++;
  const now = t.clock.now();
  return {
    ...o,
    kind: 'balance_alert',
    channel: 'email' as const,
    recipient: `ref${counter}@example.org`,
    body: 'Hello',
    headers: JSON.stringify({}),
    reason: JSON.stringify({}),
    dedupe_key: `ref-${counter}`,
    next_attempt_at: now,
    created_at: now,
    updated_at: now,
  };
}

const countMessages = async () => Number((await t.db.selectFrom('outbox_messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('an outbox message names a patient and a practice that exist', () => {
  it('one naming them is written; one naming a patient or practice that does not exist is refused', async () => {
    const p = await patient();
    await t.db.insertInto('outbox_messages').values(message({ practice_id: practiceId, patient_id: p })).execute();
    await t.db.insertInto('outbox_messages').values(message({ practice_id: null, patient_id: null })).execute();
    await expect(t.db.insertInto('outbox_messages').values(message({ practice_id: practiceId, patient_id: 999_999_999 })).execute()).rejects.toThrow(
      /names patient 999999999, which does not exist/,
    );
    await expect(t.db.insertInto('outbox_messages').values(message({ practice_id: 999_999_998, patient_id: p })).execute()).rejects.toThrow(
      /names practice 999999998, which does not exist/,
    );
  });

  it('a statement of many rows with one bad row writes none of them', async () => {
    const before = await countMessages();
    const good = await patient();
    const rows = [message({ practice_id: practiceId, patient_id: good }), message({ practice_id: practiceId, patient_id: 999_999_997 }), message({ practice_id: practiceId, patient_id: good })];
    await expect(t.db.insertInto('outbox_messages').values(rows).execute()).rejects.toThrow(/does not exist/);
    await expect(
      sql`insert into outbox_messages (practice_id, patient_id, kind, channel, recipient, body, dedupe_key, next_attempt_at, created_at, updated_at)
          select ${practiceId}, id, 'balance_alert', 'email', 'x@example.org', 'Hello', 'ref-select-' || id, now(), now(), now()
            from (values (${good}::bigint), (999999996)) v(id)`.execute(t.db),
    ).rejects.toThrow(/names patient 999999996/);
    expect(await countMessages()).toBe(before);
  });

  it('changing a message to a patient or practice that does not exist is refused; to one that does, allowed', async () => {
    const [a, b] = [await patient(), await patient()];
    const { id } = await t.db.insertInto('outbox_messages').values(message({ practice_id: practiceId, patient_id: a })).returning('id').executeTakeFirstOrThrow();
    await expect(t.db.updateTable('outbox_messages').set({ patient_id: 999_999_995 }).where('id', '=', id).execute()).rejects.toThrow(/names patient 999999995/);
    await expect(t.db.updateTable('outbox_messages').set({ practice_id: 999_999_994 }).where('id', '=', id).execute()).rejects.toThrow(/names practice 999999994/);
    await t.db.updateTable('outbox_messages').set({ patient_id: b }).where('id', '=', id).execute();
    // Other changes (the dispatcher's) do not touch the check.
    await t.db.updateTable('outbox_messages').set({ status: 'sent' }).where('id', '=', id).execute();
    expect(await t.db.selectFrom('outbox_messages').select(['patient_id', 'status']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ patient_id: b, status: 'sent' });
  });
});

describe('a patient or practice that messages name is kept', () => {
  it('cannot be deleted, nor have its id changed; one that no message names can', async () => {
    const [named, unnamed] = [await patient(), await patient()];
    await t.db.insertInto('outbox_messages').values(message({ practice_id: practiceId, patient_id: named })).execute();
    await expect(t.db.deleteFrom('patients').where('id', 'in', [named, unnamed]).execute()).rejects.toThrow(/a patient that outbox messages name cannot be deleted/);
    expect(await t.db.selectFrom('patients').select('id').where('id', 'in', [named, unnamed]).orderBy('id').execute()).toEqual([{ id: named }, { id: unnamed }].sort((x, y) => x.id - y.id));
    await expect(t.db.updateTable('patients').set({ id: 999_999_990 }).where('id', '=', named).execute()).rejects.toThrow(/the id of a patient that outbox messages name cannot change/);
    await t.db.deleteFrom('patients').where('id', '=', unnamed).execute();
    expect(await t.db.selectFrom('patients').select('id').where('id', '=', unnamed).execute()).toEqual([]);
  });

  it('a practice named by a message cannot be deleted', async () => {
    const other = await t.db
      .insertInto('practices')
      .values({ name: 'Lakeside Therapy', phone: '(555) 010-3000', time_zone: 'America/Chicago', go_live_on: '2026-01-01', hypercare_days: 60 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.insertInto('outbox_messages').values(message({ practice_id: other.id, patient_id: null })).execute();
    await expect(t.db.deleteFrom('practices').where('id', '=', other.id).execute()).rejects.toThrow(/a practice that outbox messages name cannot be deleted/);
    await expect(t.db.updateTable('practices').set({ id: 999_999_989 }).where('id', '=', other.id).execute()).rejects.toThrow(/the id of a practice that outbox messages name cannot change/);
  });
});
