import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

// Structured logs: ids and outcomes only. Anything that might hold PHI or a secret is redacted
// by key wherever it appears, as a second line of defence behind not logging it at all.
export const REDACT_KEYS = [
  'password', 'password_hash', 'token', 'authorization', 'cookie', 'set-cookie', 'apiKey', 'api_key',
  'transactionKey', 'transaction_key', 'signatureKey', 'signature_key', 'appSecret', 'secret',
  'email', 'phone', 'mobile_phone', 'first_name', 'last_name', 'name', 'date_of_birth', 'dob', 'body', 'subject', 'to',
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: undefined,
      redact: { paths: REDACT_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
    },
    destination,
  );
}
