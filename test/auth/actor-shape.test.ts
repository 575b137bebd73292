import { describe, expect, it } from 'vitest';
import { ACTOR_VALUE_FIELDS, actorShapeKey } from '../../src/auth/actor-shape.ts';
import type { Actor } from '../../src/auth/permissions.ts';

// A shaped statement's key (src/db/shaped-query.ts) must hold every field of the actor that could
// change its text. An Actor needs each of its fields, so a field added to the type fails to compile
// here until it is given a changed value below, and then fails the test until the key includes it.

const staff: Actor = {
  id: 7,
  kind: 'staff',
  practice_id: 3,
  role: 2,
  name: 'Dana Reyes',
  email: 'dana@riverside.example',
  limit_messaging: false,
  reporting: false,
  active: true,
  vendor_admin: false,
  departments: [],
  managedPracticeIds: [],
};

const changed: { [K in keyof Actor]: Actor[K] } = {
  id: 8,
  kind: 'vendor',
  practice_id: 4,
  role: 3,
  name: 'Sam Lee',
  email: 'sam@riverside.example',
  limit_messaging: true,
  reporting: true,
  active: false,
  vendor_admin: true,
  departments: ['billing'],
  managedPracticeIds: [3],
};

describe('actorShapeKey', () => {
  for (const field of Object.keys(changed) as (keyof Actor)[]) {
    const isValue = (ACTOR_VALUE_FIELDS as readonly string[]).includes(field);
    it(`${isValue ? 'keeps' : 'changes'} the key when ${field} changes`, () => {
      const other = actorShapeKey({ ...staff, [field]: changed[field] });
      if (isValue) expect(other).toBe(actorShapeKey(staff));
      else expect(other).not.toBe(actorShapeKey(staff));
    });
  }

  it('tells a practice from none, whatever its id', () => {
    expect(actorShapeKey({ ...staff, practice_id: null })).not.toBe(actorShapeKey(staff));
  });
});
