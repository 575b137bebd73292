import type { Context } from 'hono';
import type { Database } from '../db/database.ts';
import { assertCan, visibleTickets, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { NotFound } from '../web/errors.ts';
import { fileBytes } from '../web/multipart.ts';

// Attachments on a message: PDF, images, CSV and plain text, up to 10 MB each, stored in Postgres.
// The type is decided here from the file's name and its first bytes, never taken from the browser.

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS = 5;

const TYPES: Record<string, { contentType: string; inline: boolean; magic?: (b: Buffer) => boolean }> = {
  pdf: { contentType: 'application/pdf', inline: false, magic: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  png: { contentType: 'image/png', inline: true, magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  jpg: { contentType: 'image/jpeg', inline: true, magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  jpeg: { contentType: 'image/jpeg', inline: true, magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  gif: { contentType: 'image/gif', inline: true, magic: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  webp: { contentType: 'image/webp', inline: true, magic: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  csv: { contentType: 'text/csv; charset=utf-8', inline: false, magic: isText },
  txt: { contentType: 'text/plain; charset=utf-8', inline: false, magic: isText },
};


export type UploadedFile = { filename: string; contentType: string; data: Buffer };

/** Reads the files of a form field; returns them, or the message to show at the field. */
export async function readAttachments(files: unknown[]): Promise<{ ok: true; files: UploadedFile[] } | { ok: false; error: string }> {
  const real = files.filter((f): f is File => f instanceof File && (f.name !== '' || f.size > 0));
  if (real.length > MAX_ATTACHMENTS) return { ok: false, error: `Attach at most ${MAX_ATTACHMENTS} files to one message.` };
  const out: UploadedFile[] = [];
  for (const file of real) {
    const filename = cleanFilename(file.name);
    if (file.size === 0) return { ok: false, error: `${filename} is empty.` };
    if (file.size > MAX_ATTACHMENT_BYTES) {
      return { ok: false, error: `${filename} is ${(file.size / 1024 / 1024).toFixed(1)} MB; each file may be at most 10 MB.` };
    }
    const ext = filename.toLowerCase().split('.').pop() ?? '';
    const type = TYPES[ext];
    const data = await fileBytes(file);
    if (!type || (type.magic && !type.magic(data))) {
      return { ok: false, error: `${filename} cannot be attached: only PDF, images (PNG, JPEG, GIF, WebP), CSV and text files are accepted.` };
    }
    out.push({ filename, contentType: type.contentType, data });
  }
  return { ok: true, files: out };
}

/** One attachment of a visible thread, on a message the practice may read; undefined otherwise. */
export async function findVisibleAttachment(db: Database, actor: Actor, ticketId: number, attachmentId: number) {
  return visibleTickets(db, actor)
    .innerJoin('ticket_attachments', 'ticket_attachments.ticket_id', 'tickets.id')
    .innerJoin('ticket_messages', 'ticket_messages.id', 'ticket_attachments.message_id')
    .select(['ticket_attachments.id', 'ticket_attachments.filename', 'ticket_attachments.content_type', 'ticket_attachments.size_bytes', 'ticket_attachments.data'])
    .where('tickets.id', '=', ticketId)
    .where('ticket_attachments.id', '=', attachmentId)
    .where('ticket_messages.internal', '=', false)
    .executeTakeFirst();
}

/**
 * The console's download of a practice's attachment: only on a thread the vendor user can work,
 * never from an internal note, and every download is written to the audit trail with the
 * practice it belongs to (the same record the practice side writes).
 */
export async function openConsoleAttachment(db: Database, actor: Actor, ticketId: number, attachmentId: number, at: { now: Date; ip: string | null }) {
  assertCan(actor, 'vendor.console');
  const file = await visibleTickets(db, actor)
    .innerJoin('ticket_attachments', 'ticket_attachments.ticket_id', 'tickets.id')
    .innerJoin('ticket_messages', 'ticket_messages.id', 'ticket_attachments.message_id')
    .select(['ticket_attachments.id', 'tickets.practice_id', 'ticket_attachments.filename', 'ticket_attachments.content_type', 'ticket_attachments.size_bytes', 'ticket_attachments.data'])
    .where('tickets.id', '=', ticketId)
    .where('ticket_attachments.id', '=', attachmentId)
    .where('ticket_messages.internal', '=', false)
    .executeTakeFirst();
  if (!file) throw new NotFound();
  await recordAudit(db, {
    at: at.now,
    actor,
    action: 'ticket.attachment.downloaded',
    practiceId: file.practice_id,
    recordType: 'ticket_attachment',
    recordId: file.id,
    ip: at.ip,
    details: { ticketId },
  });
  return file;
}

/**
 * An attachment as the browser gets it, on both sides: its own type, never sniffed, never cached;
 * images inline, anything else a download.
 */
export function attachmentResponse(c: Context, file: { filename: string; content_type: string; data: Buffer | Uint8Array }): Response {
  c.header('Content-Type', file.content_type);
  c.header('Content-Disposition', contentDisposition(file.filename, file.content_type));
  c.header('Content-Length', String(file.data.length));
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Cache-Control', 'private, no-store');
  return c.body(new Uint8Array(file.data));
}

/** Content-Disposition: images open in the browser, everything else downloads. */
export function contentDisposition(filename: string, contentType: string): string {
  const inline = contentType.startsWith('image/');
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function isText(b: Buffer): boolean {
  const head = b.subarray(0, 8192);
  if (head.includes(0)) return false;
  return true;
}

function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 150);
  return cleaned || 'file';
}
