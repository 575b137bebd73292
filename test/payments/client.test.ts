import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizeNetClient, AuthorizeNetError } from '../../src/payments/authorize-net.ts';

// The client against awkward servers: a dropped connection, a BOM, a refusal, an unexpected shape.
let answers: ((res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage) => void)[] = [];
const server = createServer((req, res) => {
  const next = answers.shift();
  if (next) next(res, req);
  else res.writeHead(500).end();
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xml/v1/request.api`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const client = () => new AuthorizeNetClient(url, { apiLoginId: 'login', transactionKey: 'key' }, 2_000);
const ok = '\uFEFF' + JSON.stringify({ messages: { resultCode: 'Ok', message: [{ code: 'I00001', text: 'Successful.' }] } });

describe('Authorize.net client', () => {
  it('retries once when the connection drops, and strips the byte order mark', async () => {
    answers = [(res) => res.socket!.destroy(), (res) => res.end(ok)];
    await expect(client().authenticateTest()).resolves.toBeUndefined();
    expect(answers).toHaveLength(0);
  });

  it('gives up after a second dropped connection', async () => {
    answers = [(res) => res.socket!.destroy(), (res) => res.socket!.destroy()];
    await expect(client().authenticateTest()).rejects.toThrow(/could not be reached/);
  });

  it('reports Authorize.net’s refusal with its code, and an unexpected shape as such', async () => {
    answers = [(res) => res.end('\uFEFF' + JSON.stringify({ messages: { resultCode: 'Error', message: [{ code: 'E00007', text: 'User authentication failed.' }] } }))];
    const err = await client().authenticateTest().catch((e) => e);
    expect(err).toBeInstanceOf(AuthorizeNetError);
    expect(err.code).toBe('E00007');
    answers = [(res) => res.end('<html>')];
    await expect(client().authenticateTest()).rejects.toThrow(/other than JSON/);
    answers = [(res) => res.end(JSON.stringify({ hello: 1 }))];
    await expect(client().authenticateTest()).rejects.toThrow(/unexpected shape/);
  });

  it('sends the request in the element order the XML schema needs', async () => {
    let body = '';
    answers = [
      (res, req) => {
        req.on('data', (c) => (body += c));
        req.on('end', () => res.end('\uFEFF' + JSON.stringify({ token: 'T', messages: { resultCode: 'Ok', message: [] } })));
      },
    ];
    const token = await client().hostedPaymentPageToken({
      refId: 'PREF', invoiceNumber: 'PREF', amountCents: 12345, description: 'd', returnUrl: 'https://x/r', cancelUrl: 'https://x/c', merchantName: 'M',
    });
    expect(token).toBe('T');
    const root = JSON.parse(body).getHostedPaymentPageRequest;
    expect(Object.keys(root)).toEqual(['merchantAuthentication', 'refId', 'transactionRequest', 'hostedPaymentSettings']);
    expect(Object.keys(root.transactionRequest)).toEqual(['transactionType', 'amount', 'order']);
    expect(root.transactionRequest.amount).toBe('123.45');
  });
});
