import { sql, type RawBuilder } from 'kysely';

/**
 * Bytes for a bytea column, sent as base64 text that the database decodes. The embedded database
 * (PGlite, which runs in the app's own thread) converts a bytea parameter byte by byte: 1.7 MB took
 * 700–900 ms in one statement, during which no other request was answered; as base64, 25–45 ms
 * (2-core bench machine). On PostgreSQL, base64 is also a third smaller on the wire than pg's hex.
 */
export function byteaValue(bytes: Buffer): RawBuilder<Buffer> {
  return sql<Buffer>`decode(${bytes.toString('base64')}, 'base64')`;
}
