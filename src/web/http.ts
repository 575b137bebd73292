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

/**
 * The client's address. Behind `trustProxyHops` proxies, each appends the address it saw to
 * X-Forwarded-For, so the client is the entry that many places from the right; anything further
 * left was written by the client and is not believed.
 */
export function clientIp(c: Context, trustProxyHops: number): string | null {
  if (trustProxyHops > 0) {
    const entries = (c.req.header('X-Forwarded-For') ?? '').split(',').map((e) => e.trim());
    const forwarded = entries.length >= trustProxyHops ? entries[entries.length - trustProxyHops] : undefined;
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/**
 * Where to go after sign-in: a path on this app, or the home page. `next` is resolved against
 * PUBLIC_URL and kept only when it stays on the app's origin and neither it nor its decoded path
 * holds a control character or a backslash (browsers drop a tab or newline, so `/%09/evil.example`
 * would become `//evil.example`), nor a decoded path that starts with `//`.
 */
export function safeNext(next: string | undefined | null, publicUrl: string): string {
  if (!next || !next.startsWith('/') || UNSAFE_IN_PATH.test(next)) return '/';
  let url: URL;
  let decoded: string;
  try {
    url = new URL(next, publicUrl);
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return '/';
  }
  if (url.origin !== new URL(publicUrl).origin) return '/';
  if (UNSAFE_IN_PATH.test(decoded) || decoded.startsWith('//')) return '/';
  return url.pathname + url.search + url.hash;
}

// eslint-disable-next-line no-control-regex
const UNSAFE_IN_PATH = /[\u0000-\u001f\u007f\\]/;

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
