import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../support/free-port.ts';
import path from 'node:path';

// Real app processes for cluster and fault tests: `node --import tsx src/server.ts`, each on its own
// port, all against one database. Their stdout (pino JSON lines) is kept for assertions.

const root = path.resolve(import.meta.dirname, '../..');

export type Instance = {
  port: number;
  origin: string;
  child: ChildProcess;
  output: string[];
  /** Resolves once the process has exited (any reason). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
};

export { freePort };

export async function startInstance(env: Record<string, string>, script = 'src/server.ts'): Promise<Instance> {
  const port = Number(env.PORT) || (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DEMO: 'false',
      SCHEDULER: 'true',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  // Whole lines only: a chunk can end in the middle of a log line.
  const collector = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop()!;
      output.push(...lines.filter(Boolean));
    };
  };
  child.stdout!.on('data', collector());
  child.stderr!.on('data', collector());
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const instance: Instance = {
    port,
    origin: `http://127.0.0.1:${port}`,
    child,
    output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  await waitForReady(instance);
  return instance;
}

export async function waitForReady(instance: Instance, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (instance.child.exitCode !== null) throw new Error(`instance exited early:\n${instance.output.join('\n')}`);
    try {
      const res = await fetch(`${instance.origin}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`instance on ${instance.port} not ready:\n${instance.output.join('\n')}`);
}

export function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A form post as a browser sends it: urlencoded, with the instance's Origin and the session cookie. */
export async function postForm(origin: string, path: string, form: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin, ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(form),
  });
}

export function sessionCookieFrom(res: Response): string | undefined {
  const raw = res.headers.getSetCookie().find((c) => c.startsWith('strata_session='));
  return raw?.split(';')[0];
}
