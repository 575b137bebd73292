import { Resend } from 'resend';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Channel } from '../db/schema.ts';

// One interface for every way a message leaves: captured into the database (the default),
// Resend for email, Twilio's REST API for texts.

export type Envelope = {
  id: number;
  channel: Channel;
  recipient: string;
  subject: string | null;
  body: string;
  html: string | null;
  headers: Record<string, string>;
  /** The outbox dedupe key; the provider's idempotency key. */
  dedupeKey: string;
};

export type SendResult =
  | { ok: true; providerMessageId: string; /** captured: no provider will report delivery later */ delivered?: boolean }
  | { ok: false; /** a 4xx that no retry can fix */ permanent: boolean; error: string };

export interface Transport {
  readonly name: string;
  /** Record each send at once rather than with its batch: the provider's status callbacks may come before the batch ends and are not retried. */
  readonly recordPromptly?: boolean;
  send(message: Envelope): Promise<SendResult>;
}

export type Transports = {
  email: Transport;
  sms: Transport;
  /** Where patient emails' one-click unsubscribe links point, and the key that signs them. */
  unsubscribe?: { publicUrl: string; secret: string };
  /** Replaces the public-URL placeholder of stored bodies (public-url.ts). */
  publicUrl?: string;
};

export const SEND_TIMEOUT_MS = 10_000;

/** Messages are "delivered" into the database and read in the app. */
export const capturedTransport: Transport = {
  name: 'captured',
  async send(m) {
    return { ok: true, providerMessageId: `captured-${m.id}`, delivered: true };
  },
};

export function createTransports(config: Config): Transports {
  return {
    email: config.resend ? resendTransport({ apiKey: config.resend.apiKey, baseUrl: config.resend.baseUrl, from: config.emailFrom }) : capturedTransport,
    sms: config.twilio ? twilioTransport({ ...config.twilio, statusCallback: `${config.publicUrl}/webhooks/twilio/status` }) : capturedTransport,
    unsubscribe: config.appSecret ? { publicUrl: config.publicUrl, secret: config.appSecret } : undefined,
    publicUrl: config.publicUrl,
  };
}

export function resendTransport(options: { apiKey: string; baseUrl?: string; from: string; timeoutMs?: number }): Transport {
  const resend = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  return {
    name: 'resend',
    async send(m) {
      const attempt = resend.emails.send(
        {
          from: options.from,
          to: [m.recipient],
          subject: m.subject ?? '',
          text: m.body,
          ...(m.html ? { html: m.html } : {}),
          headers: m.headers,
        },
        { idempotencyKey: m.dedupeKey },
      );
      const outcome = await withTimeout(attempt, options.timeoutMs ?? SEND_TIMEOUT_MS);
      if (outcome === 'timeout') return { ok: false, permanent: false, error: 'Resend: no answer within the timeout' };
      const { data, error } = outcome;
      if (data?.id) return { ok: true, providerMessageId: data.id };
      const status = (error as { statusCode?: number | null } | null)?.statusCode ?? null;
      const message = `Resend ${status ?? 'network'}: ${error?.name ?? 'error'}: ${error?.message ?? 'no id returned'}`;
      return { ok: false, permanent: isPermanentHttpStatus(status), error: message.slice(0, 500) };
    },
  };
}

const twilioMessage = z.object({ sid: z.string().min(1) });
const twilioError = z.object({ code: z.number().optional(), message: z.string().optional() }).partial();

export function twilioTransport(options: { accountSid: string; authToken: string; from: string; baseUrl: string; statusCallback: string; timeoutMs?: number }): Transport {
  const url = `${options.baseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const auth = 'Basic ' + Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
  return {
    name: 'twilio',
    recordPromptly: true,
    async send(m) {
      const form = new URLSearchParams({ To: m.recipient, From: options.from, Body: m.body, StatusCallback: options.statusCallback });
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            Authorization: auth,
            'Content-Type': 'application/x-www-form-urlencoded',
            // Twilio does not promise idempotent sends; the token lets a gateway or the fake dedupe retries.
            'I-Twilio-Idempotency-Token': m.dedupeKey,
          },
          body: form,
          signal: AbortSignal.timeout(options.timeoutMs ?? SEND_TIMEOUT_MS),
        });
      } catch (err) {
        return { ok: false, permanent: false, error: `Twilio network: ${(err as Error).name}: ${(err as Error).message}`.slice(0, 500) };
      }
      const json = await res.json().catch(() => ({}));
      if (res.ok) {
        const parsed = twilioMessage.safeParse(json);
        if (parsed.success) return { ok: true, providerMessageId: parsed.data.sid };
        return { ok: false, permanent: false, error: 'Twilio: answer without a message sid' };
      }
      const e = twilioError.safeParse(json);
      const detail = e.success ? `${e.data.code ?? ''} ${e.data.message ?? ''}`.trim() : '';
      return { ok: false, permanent: isPermanentHttpStatus(res.status), error: `Twilio ${res.status}: ${detail}`.slice(0, 500) };
    },
  };
}

/** 4xx errors other than rate limits, timeouts and conflicts will fail the same way every time. */
export function isPermanentHttpStatus(status: number | null): boolean {
  return status !== null && status >= 400 && status < 500 && ![408, 409, 425, 429].includes(status);
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Everything captured: what runs when no provider is configured. */
export const capturedTransports: Transports = { email: capturedTransport, sms: capturedTransport };
