import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readBody } from './fake-resend.ts';
import { twilioSignature } from '../../src/messaging/signatures.ts';

// A local server speaking Twilio's Messages API (form POST with basic auth, JSON answer with a
// sid), and the webhooks Twilio posts back, signed with X-Twilio-Signature.

export type FakeSms = { sid: string; to: string; from: string; body: string; statusCallback?: string };

export class FakeTwilio {
  server!: Server;
  url = '';
  readonly accountSid = 'AC' + '0'.repeat(32);
  readonly authToken = 'fake-twilio-auth-token';
  readonly from = '+15550109999';
  requests = 0;
  messages: FakeSms[] = [];
  failures: { status: number; code: number; message: string }[] = [];

  static async start(): Promise<FakeTwilio> {
    const f = new FakeTwilio();
    f.server = createServer(async (req, res) => {
      const body = await readBody(req);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${f.accountSid}/Messages.json`) return send(404, { code: 20404, message: 'Not found', status: 404 });
      const auth = 'Basic ' + Buffer.from(`${f.accountSid}:${f.authToken}`).toString('base64');
      if (req.headers.authorization !== auth) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
      f.requests++;
      const failure = f.failures.shift();
      if (failure) return send(failure.status, { code: failure.code, message: failure.message, status: failure.status });
      const p = new URLSearchParams(body);
      const sid = 'SM' + randomBytes(16).toString('hex');
      f.messages.push({ sid, to: p.get('To')!, from: p.get('From')!, body: p.get('Body')!, statusCallback: p.get('StatusCallback') ?? undefined });
      send(201, { sid, status: 'queued', to: p.get('To'), from: p.get('From'), body: p.get('Body') });
    });
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', r));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  /** The status callback Twilio would post for a message, signed for its StatusCallback URL. */
  statusCallback(sid: string, status: string, extra: Record<string, string> = {}) {
    const m = this.messages.find((x) => x.sid === sid);
    if (!m?.statusCallback) throw new Error(`no status callback for ${sid}`);
    return this.signed(m.statusCallback, { AccountSid: this.accountSid, MessageSid: sid, MessageStatus: status, To: m.to, From: m.from, ...extra });
  }

  /** An inbound text as Twilio would post it to the number's webhook URL. */
  inbound(url: string, from: string, body: string, options: { authToken?: string } = {}) {
    return this.signed(url, { AccountSid: this.accountSid, MessageSid: 'SM' + randomBytes(16).toString('hex'), From: from, To: this.from, Body: body, NumMedia: '0' }, options.authToken);
  }

  signed(url: string, params: Record<string, string>, authToken = this.authToken) {
    return {
      url,
      body: new URLSearchParams(params).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilioSignature(authToken, url, params) },
    };
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
