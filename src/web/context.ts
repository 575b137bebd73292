import type { Context } from 'hono';
import type { AppDeps, AppEnv } from './types.ts';
import { currentActor } from './http.ts';
import { can, capabilitiesOf, type Actor, type Capability } from '../auth/permissions.ts';
import { countUnreadTickets } from '../tickets/unread.ts';
import { countQueueUnread } from '../tickets/queues.ts';
import { actorPractice } from '../auth/account.ts';

/** What every signed-in page needs besides its own data: who is looking, the form token, the menu's counts. */
export type ViewContext = {
  actor: Actor;
  /** What the actor may do (`can` for each capability), so views need not ask the rule. */
  may: Record<Capability, boolean>;
  csrf: string;
  path: string;
  practice: { id: number; name: string; phone: string; time_zone: string } | null;
  /** Get Help's unread threads for staff; for the vendor's team, unread open threads in their queues. */
  unreadTickets: number;
  demo: boolean;
};

export async function viewContext(c: Context<AppEnv>, deps: AppDeps): Promise<ViewContext> {
  const actor = currentActor(c);
  const practice = await actorPractice(deps.db, actor);
  const unreadTickets =
    actor.kind === 'staff' ? (can(actor, 'tickets.use') ? await countUnreadTickets(deps.db, actor) : 0) : await countQueueUnread(deps.db, actor);
  return { actor, may: capabilitiesOf(actor), csrf: c.get('csrf'), path: c.req.path, practice, unreadTickets, demo: deps.config.demo };
}
