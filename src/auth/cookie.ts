import type { Config } from '../config.ts';

export function sessionCookieOptions(config: Pick<Config, 'publicUrl' | 'sessionMaxMs'>) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: config.publicUrl.startsWith('https:'),
    maxAge: Math.floor(config.sessionMaxMs / 1000),
  };
}
