import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './types.ts';
import { can, type Capability } from '../auth/permissions.ts';
import { NotFound } from './errors.ts';

/**
 * Every route needs a signed-in user unless it is named here. Those that are listed check
 * something else instead: a portal link, a provider's signature, an unsubscribe token.
 */
export const PUBLIC_PATH_PREFIXES = [
  '/login',
  '/healthz',
  '/readyz',
  '/metrics',
  '/static/',
  '/favicon.ico',
  '/portal',
  '/webhooks/',
  '/unsubscribe',
  '/set-password',
  '/appointment-replies',
];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATH_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : p + '/') || path.startsWith(p + '?'));
}

/** Practice staff only; everyone else gets "not found". */
export const requireStaff = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('actor')?.kind !== 'staff') throw new NotFound();
  await next();
});

/** The vendor's team only. */
export const requireVendor = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('actor')?.kind !== 'vendor') throw new NotFound();
  await next();
});

/** A capability from the permission module; without it the page does not exist for the user. */
export function requireCapability(capability: Capability) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const actor = c.get('actor');
    if (!actor || !can(actor, capability)) throw new NotFound();
    await next();
  });
}
