import type { Database } from '../db/database.ts';
import type { OutboxMessage } from './dispatcher.ts';

// The reason for a message can go away between queueing and sending (the balance was paid, the
// appointment cancelled). Each kind registers a check the dispatcher runs right before sending.

/** Null when the message is still valid; otherwise the reason it is cancelled, recorded on the row. */
export type SendCheck = (db: Database, message: OutboxMessage, now: Date) => Promise<string | null>;

const checks = new Map<string, SendCheck>();

export function registerSendCheck(kind: string, check: SendCheck): void {
  checks.set(kind, check);
}

export function sendCheckFor(kind: string): SendCheck | undefined {
  return checks.get(kind);
}
