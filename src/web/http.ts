import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AppEnv } from './types.ts';
import type { Actor } from '../auth/permissions.ts';

/** Renders a whole page, with the doctype hono/jsx does not write. */
export async function renderPage(c: Context, node: Child, status: 200 | 201 | 404 | 409 | 422 | 429 | 500 | 503 = 200) {
  return c.html('<!doctype html>' + (await String(node)), status);
}

/** Renders a fragment for htmx (no doctype). */
export async function renderFragment(c: Context, node: Child, status: 200 | 422 | 404 | 409 = 200) {
  return c.html(await String(node), status);
}

export function isHtmx(c: Context): boolean {
  return c.req.header('HX-Request') === 'true';
}

/** 303 See Other after a POST, so reload never repeats it; htmx follows it too. */
export function redirectAfterPost(c: Context, location: string) {
  return c.redirect(location, 303);
}

export function currentActor(c: Context<AppEnv>): Actor {
  const actor = c.get('actor');
  if (!actor) throw new Error('route needs a signed-in user but none is set');
  return actor;
}

export function clientIp(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('X-Forwarded-For')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/** A same-site relative path to go back to after sign-in; anything else becomes the home page. */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

/** Form bodies as a flat record of strings (the last value wins), files left out. */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (typeof last === 'string') out[k] = last;
  }
  return out;
}

export function pageNumber(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1;
}

/** A PDF download; the caller decides whether the browser shows it or saves it. */
export function pdfResponse(c: Context, pdf: Buffer, filename: string, disposition: 'inline' | 'attachment') {
  c.header('Content-Type', 'application/pdf');
  c.header('Content-Disposition', `${disposition}; filename="${filename}"`);
  c.header('X-Content-Type-Options', 'nosniff');
  return c.body(new Uint8Array(pdf));
}
