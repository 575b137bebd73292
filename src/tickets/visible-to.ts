import type { Database } from '../db/database.ts';
import type { Role, TicketDepartment, Visibility } from '../db/schema.ts';
import { mayActorSeeTicket, practiceIdOf, practiceUsers, type Actor } from '../auth/permissions.ts';
import { ROLE_CHOICES } from './labels.ts';

// "Visible To": the choices the create form offers and who each choice lets see a thread.
// Who may see what is decided by mayActorSeeTicket alone; this file only asks it about people.


/** A staff member who can be named in Visible To and who counts as an audience. */
export type Colleague = { id: number; name: string; role: Role };

export type VisibleToChoice = { visibility: Visibility; visibleUserId: number | null };

/** Active staff of the practice without Limit Messaging Access, by name. */
export async function listColleagues(db: Database, actor: Actor): Promise<Colleague[]> {
  return (await practiceUsers(db, actor)
    .select(['id', 'name', 'role'])
    .where('kind', '=', 'staff')
    .where('active', '=', true)
    .where('limit_messaging', '=', false)
    .orderBy('name')
    .orderBy('id')
    .execute()) as Colleague[];
}

/**
 * Reads the form's value: "only_me", a role group, or "user:<id>" for a named colleague who must be
 * in `colleagues`. Anything else (a forged value, a deactivated or limited person) is undefined.
 */
export function parseVisibleTo(raw: string | undefined, colleagues: Colleague[]): VisibleToChoice | undefined {
  if (!raw) return undefined;
  if (raw === 'only_me') return { visibility: 'only_me', visibleUserId: null };
  const role = ROLE_CHOICES.find((r) => r.value === raw);
  if (role) return { visibility: role.value, visibleUserId: null };
  const m = raw.match(/^user:(\d{1,15})$/);
  if (!m) return undefined;
  const person = colleagues.find((c) => c.id === Number(m[1]));
  return person ? { visibility: 'person', visibleUserId: person.id } : undefined;
}

export function visibleToValue(choice: VisibleToChoice): string {
  return choice.visibility === 'person' ? `user:${choice.visibleUserId}` : choice.visibility;
}

/** Everyone at the practice who would see a thread created with this choice, the creator included if so. */
export function audienceOf(
  actor: Actor,
  colleagues: Colleague[],
  choice: VisibleToChoice,
  adminLevel: boolean,
  department: TicketDepartment = 'billing',
): Colleague[] {
  const facts = {
    practice_id: practiceIdOf(actor),
    department,
    visibility: choice.visibility,
    visible_user_id: choice.visibleUserId,
    admin_level: adminLevel,
    created_by_user_id: actor.id,
  };
  return colleagues.filter((c) =>
    mayActorSeeTicket(
      {
        id: c.id,
        kind: 'staff',
        practice_id: facts.practice_id,
        role: c.role,
        name: c.name,
        email: '',
        limit_messaging: false,
        reporting: false,
        active: true,
        vendor_admin: false,
        departments: [],
        managedPracticeIds: [],
      },
      facts,
    ),
  );
}

/** What the form says under Visible To: who will see it, and the plain warning when the creator will not. */
export type AudiencePreview = {
  audience: Colleague[];
  creatorLosesAccess: boolean;
  namedPerson: Colleague | null;
  problem: string | null;
};

export function previewAudience(actor: Actor, colleagues: Colleague[], choice: VisibleToChoice | undefined, adminLevel: boolean): AudiencePreview {
  if (!choice) return { audience: [], creatorLosesAccess: false, namedPerson: null, problem: 'Choose who can see this thread.' };
  const audience = audienceOf(actor, colleagues, choice, adminLevel);
  const namedPerson = choice.visibility === 'person' ? colleagues.find((c) => c.id === choice.visibleUserId) ?? null : null;
  const creatorLosesAccess = !audience.some((c) => c.id === actor.id);
  let problem: string | null = null;
  if (audience.length === 0) {
    problem = namedPerson && adminLevel
      ? `Nobody could see this thread: admin-level threads are visible only to Practice Administrators and above, and ${namedPerson.name} is not one. Choose another person or a role, or untick admin-level.`
      : 'Nobody at your practice could see this thread. Choose another option.';
  }
  return { audience, creatorLosesAccess, namedPerson, problem };
}
