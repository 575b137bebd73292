import type { Migration } from 'kysely/migration';
import * as m0001 from './20261123_0001_foundation.ts';

// Forward-only, in name order. Add each new migration file here.
export const migrations: Record<string, Migration> = {
  '20261123_0001_foundation': m0001,
};
