import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../src/config.ts';

describe('config', () => {
  it('defaults to the embedded database with demo data', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.demo).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.sessionIdleMs).toBe(30 * 60_000);
  });
  it('requires APP_SECRET with DATABASE_URL, naming it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@localhost/db' })).toThrow(/APP_SECRET/);
  });
  it('names a malformed setting in one line', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/^Invalid setting PORT/);
    expect(() => loadConfig({ PUBLIC_URL: 'not a url' })).toThrow(/PUBLIC_URL/);
  });
  it('turns demo data off by default with a real server', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db', APP_SECRET: 'x'.repeat(40) }).demo).toBe(false);
  });
});
