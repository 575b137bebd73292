import type { Child } from 'hono/jsx';
import { Base } from './base.tsx';
import { LiveConnection, UnreadBadge } from '../components/live.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { ROLES, DEPARTMENTS } from '../../src/auth/labels.ts';
import { cappedCount } from '../../src/tickets/labels.ts';

type NavItem = { href: string; label: string; badge?: number; show: boolean };

/** Signed-in pages: the practice's blue Menu Bar, or the vendor console's. */
export function AppLayout(props: { ctx: ViewContext; title: string; children: Child; wide?: boolean }) {
  const { ctx } = props;
  const { actor } = ctx;
  const items: NavItem[] =
    actor.kind === 'staff'
      ? [
          { href: '/dashboard', label: 'Dashboard', show: true },
          { href: '/tickets', label: 'Get Help', badge: ctx.unreadTickets, show: true },
          { href: '/patients', label: 'Patients', show: ctx.may['patients.view'] },
          { href: '/reports', label: 'Reports', show: ctx.may['reports.run'] },
          { href: '/settings', label: 'Settings', show: ctx.may['settings.view'] },
        ]
      : [
          { href: '/vendor', label: 'Queues', badge: ctx.unreadTickets, show: true },
          { href: '/feedback', label: 'Feedback', show: true },
          { href: '/vendor/practices', label: 'Practices', show: ctx.may['vendor.admin'] },
          { href: '/vendor/jobs', label: 'Jobs', show: ctx.may['vendor.admin'] },
          { href: '/vendor/messages', label: 'Sent Messages', show: ctx.may['vendor.admin'] },
          { href: '/vendor/print-batches', label: 'Print Batches', show: ctx.may['statements.print'] },
          { href: '/vendor/audit', label: 'Audit', show: ctx.may['vendor.admin'] },
        ];
  // Name and role stack in two small lines, so the Menu Bar stays one row at 1280 px for every role.
  const role = actor.kind === 'staff' ? (ROLES[actor.role as 1] ?? '') : `StrataPT ${actor.vendor_admin ? 'admin' : actor.departments.map((d) => DEPARTMENTS[d]).join(', ')}`;
  // Staff who use tickets get live updates (docs/rules.md, "Live updates").
  const live = actor.kind === 'staff' && ctx.may['tickets.use'];
  return (
    <Base title={props.title} csrf={ctx.csrf} bodyClass={actor.kind === 'vendor' ? 'vendor' : 'practice'}>
      {/* The side's colour is on the header itself: boosted navigation swaps the body's content but keeps its class. */}
      <header class={actor.kind === 'vendor' ? 'menu-bar vendor' : 'menu-bar practice'}>
        <div class="brand">
          {actor.kind === 'staff' ? <span>StrataEMR · {ctx.practice?.name}</span> : <span>StrataPT console</span>}
        </div>
        <nav aria-label="Menu Bar">
          <ul>
            {items
              .filter((i) => i.show)
              .map((i) => (
                <li>
                  <a href={i.href} aria-current={ctx.path === i.href || ctx.path.startsWith(i.href + '/') ? 'page' : undefined}>
                    {i.label}
                    {i.href === '/tickets' && live ? (
                      <UnreadBadge count={i.badge ?? 0} />
                    ) : i.badge ? (
                      <span class="badge" aria-label={`${cappedCount(i.badge)} unread`}>
                        {cappedCount(i.badge)}
                      </span>
                    ) : null}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div class="account">
          <a href="/account" class="who">
            <span class="who-name">{actor.name}</span> <span class="who-role">{role}</span>
          </a>
          <form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" class="link">Sign out</button>
          </form>
        </div>
      </header>
      <main id="main" class={props.wide ? 'wide' : undefined}>
        {props.children}
      </main>
      {live ? <LiveConnection /> : null}
    </Base>
  );
}

