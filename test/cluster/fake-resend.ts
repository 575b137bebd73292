import { createServer, type IncomingMessage, type Server } from 'node:http';

// A stand-in for Resend's HTTP API: it counts every POST /emails by idempotency key, and can be told
// to answer 500 or to hang (a timeout) for a while, to exercise retries from real app processes.

export type FakeResend = {
  url: string;
  /** Every accepted send, in order: idempotency key and recipient. */
  accepted: { key: string; to: string }[];
  /** How many requests arrived in total, including refused ones. */
  requests: () => number;
  mode: 'ok' | 'error500' | 'hang';
  close(): Promise<void>;
};

export async function startFakeResend(): Promise<FakeResend> {
  let requests = 0;
  let n = 0;
  const hanging = new Set<import('node:http').ServerResponse>();
  const fake: FakeResend = {
    url: '',
    accepted: [],
    requests: () => requests,
    mode: 'ok',
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests++;
    if (req.method !== 'POST' || !req.url?.endsWith('/emails')) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"name":"not_found","message":"no such route"}');
      return;
    }
    if (fake.mode === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (fake.mode === 'error500') {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"name":"internal_server_error","message":"try later","statusCode":500}');
      return;
    }
    const key = String(req.headers['idempotency-key'] ?? '');
    const parsed = JSON.parse(body || '{}') as { to?: string[] };
    fake.accepted.push({ key, to: parsed.to?.[0] ?? '' });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: `fake-${++n}` }));
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Keys the fake accepted more than once: must always be empty. */
export function duplicateKeys(fake: FakeResend): string[] {
  const seen = new Map<string, number>();
  for (const a of fake.accepted) seen.set(a.key, (seen.get(a.key) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}
