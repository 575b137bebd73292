import type { Database } from '../db/database.ts';
import type { Channel } from '../db/schema.ts';
import type { OutboxMessage } from './dispatcher.ts';

// Message templates (docs/rules.md, Delivery). A scheduled job that queues thousands of messages
// writes them in one `insert … select` with a template key and parameters instead of finished
// words; the words stay here, in TypeScript, in one place per kind. The dispatcher renders a row
// when it first leaves (and stores the words then), and staff pages render a row still waiting.

export type MessageWords = { subject: string | null; body: string; html: string | null };

export type MessageTemplate = {
  /** The words from the stored parameters. A portal link appears as its placeholder (portal-link-token.ts). */
  words(params: Record<string, unknown>, channel: Channel): MessageWords;
  /**
   * What must exist once the message leaves, done once at its first send: e.g. the portal link the
   * words point to. Returns the link's token (kept beside the row, never in it) and what to add to
   * the row's reason.
   */
  prepare?(db: Database, now: Date, message: OutboxMessage): Promise<{ portalLinkToken?: string; reason?: Record<string, unknown> }>;
};

const templates = new Map<string, MessageTemplate>();

export function registerTemplate(key: string, template: MessageTemplate): void {
  templates.set(key, template);
}

export function templateFor(key: string): MessageTemplate | undefined {
  return templates.get(key);
}

/** A stored row's words: its own once sent, or its template's while it waits. */
export function storedWords(row: { channel: Channel; subject: string | null; body: string | null; html?: string | null; template: string | null; template_params: Record<string, unknown> | null }): MessageWords {
  if (row.body != null) return { subject: row.subject, body: row.body, html: row.html ?? null };
  const template = row.template ? templateFor(row.template) : undefined;
  if (!template) return { subject: row.subject, body: `(template ${row.template ?? 'missing'} is unknown)`, html: null };
  return template.words(row.template_params ?? {}, row.channel);
}
