import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

// A local server speaking Resend's API: POST /emails with a Bearer key returns {id}; a repeated
// Idempotency-Key returns the first id without a second email. Webhooks are signed the way
// Resend (svix) signs them.

export type FakeEmail = { id: string; idempotencyKey: string | null; from: string; to: string[]; subject: string; text?: string; html?: string; headers?: Record<string, string> };

export class FakeResend {
  server!: Server;
  url = '';
  readonly apiKey = 're_test_key';
  readonly webhookSecret = 'whsec_' + Buffer.from('fake-resend-webhook-secret-0123456789').toString('base64');
  /** Every POST /emails, including repeats. */
  requests = 0;
  /** Emails accepted (repeats of an idempotency key are not new emails). */
  emails: FakeEmail[] = [];
  /** How many requests each idempotency key made. */
  perKey = new Map<string, number>();
  /** Responses to give before behaving normally: a status and Resend's error name. */
  failures: { status: number; name: string; message: string }[] = [];
  /** Milliseconds to wait before answering (to widen races in tests). */
  delayMs = 0;
  readonly #byKey = new Map<string, string>();

  static async start(): Promise<FakeResend> {
    const f = new FakeResend();
    f.server = createServer((req, res) => void f.handle(req, res));
    f.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', r));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    const body = await readBody(req);
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.method !== 'POST' || req.url !== '/emails') return send(404, { statusCode: 404, name: 'not_found', message: 'Not found' });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return send(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key' });
    this.requests++;
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    if (key) this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const failure = this.failures.shift();
    if (failure) return send(failure.status, { statusCode: failure.status, name: failure.name, message: failure.message });
    if (key && this.#byKey.has(key)) return send(200, { id: this.#byKey.get(key) });
    const payload = JSON.parse(body);
    const id = randomUUID();
    if (key) this.#byKey.set(key, id);
    this.emails.push({ id, idempotencyKey: key, from: payload.from, to: payload.to, subject: payload.subject, text: payload.text, html: payload.html, headers: payload.headers });
    send(200, { id });
  }

  /** A webhook as Resend would post it: JSON body and svix-id/svix-timestamp/svix-signature headers. */
  webhook(type: string, emailId: string, at: Date, extra: Record<string, unknown> = {}, options: { eventId?: string; secret?: string; createdAt?: Date } = {}) {
    const body = JSON.stringify({ type, created_at: (options.createdAt ?? at).toISOString(), data: { email_id: emailId, to: ['x@example.com'], ...extra } });
    const id = options.eventId ?? `msg_${randomUUID()}`;
    const signature = new Webhook(options.secret ?? this.webhookSecret).sign(id, at, body);
    return { body, headers: { 'Content-Type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature } };
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
