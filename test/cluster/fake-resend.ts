import { createServer, type IncomingMessage, type Server } from 'node:http';

// A stand-in for Resend's HTTP API: it records every POST /emails by idempotency key and, like Resend,
// answers a repeated key with the first answer instead of sending again. It can be told to answer 500,
// to hang (a timeout), or to accept and then hang (the app never learns the send succeeded).

export type FakeResend = {
  url: string;
  /** Every send actually delivered, in order: idempotency key and recipient (one per key). */
  accepted: { key: string; to: string }[];
  /** Requests that repeated an already delivered key (answered without sending again). */
  repeats: string[];
  /** How many requests arrived in total, including refused ones. */
  requests: () => number;
  mode: 'ok' | 'error500' | 'hang' | 'acceptThenHang';
  close(): Promise<void>;
};

export async function startFakeResend(): Promise<FakeResend> {
  let requests = 0;
  let n = 0;
  const ids = new Map<string, string>();
  const hanging = new Set<import('node:http').ServerResponse>();
  const fake: FakeResend = {
    url: '',
    accepted: [],
    repeats: [],
    requests: () => requests,
    mode: 'ok',
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer(async (req, res) => {
    // The mode when the request arrived: a request sent while the provider hangs must not be
    // accepted because its body finished arriving after the test switched the provider back on.
    const mode = fake.mode;
    const body = await readBody(req);
    requests++;
    if (req.method !== 'POST' || !req.url?.endsWith('/emails')) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"name":"not_found","message":"no such route"}');
      return;
    }
    if (mode === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (mode === 'error500') {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"name":"internal_server_error","message":"try later","statusCode":500}');
      return;
    }
    const key = String(req.headers['idempotency-key'] ?? '');
    const parsed = JSON.parse(body || '{}') as { to?: string[] };
    let id = ids.get(key);
    if (id && key) {
      fake.repeats.push(key);
    } else {
      id = `fake-${++n}`;
      if (key) ids.set(key, id);
      fake.accepted.push({ key, to: parsed.to?.[0] ?? '' });
    }
    if (mode === 'acceptThenHang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id }));
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
