import type { Actor } from './permissions.ts';

// An actor as a shaped statement (src/db/shaped-query.ts) sees it: what the visibility rule and the
// capabilities branch on (kind, role, flags, a vendor user's departments and practices) decides the
// statement's text; the user's and practice's ids, name and email only fill parameters.

/**
 * Everything of the actor that may decide a statement's text: each field but the four placeholders
 * stand in for (test/auth/actor-shape.test.ts changes every other field of an actor and
 * expects a new key). Written out, not JSON.stringify of the rest: that was nearly 1 % of the app's busy thread.
 */
export function actorShapeKey(a: Actor): string {
  return `${a.kind}|${a.role}|${a.active}|${a.limit_messaging}|${a.reporting}|${a.vendor_admin}|${a.practice_id != null}|${a.departments.join(',')}|${a.managedPracticeIds.join(',')}`;
}

/** The fields actorPlaceholders stands in for: they never change a statement's text. */
export const ACTOR_VALUE_FIELDS = ['id', 'practice_id', 'name', 'email'] as const;

/** The actor with its ids, name and email as placeholders. */
export function actorPlaceholders(actor: Actor, placeholder: (name: string) => never): Actor {
  return {
    ...actor,
    id: placeholder('actor.id'),
    practice_id: actor.practice_id == null ? actor.practice_id : placeholder('actor.practice_id'),
    name: placeholder('actor.name'),
    email: placeholder('actor.email'),
  };
}

/** The values actorPlaceholders stands in for. */
export function actorValues(actor: Actor): Record<string, unknown> {
  return { 'actor.id': actor.id, 'actor.practice_id': actor.practice_id, 'actor.name': actor.name, 'actor.email': actor.email };
}
