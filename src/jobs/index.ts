import type { JobDefinition } from './scheduler.ts';
import { deleteExpiredSessions } from '../auth/cleanup.ts';

/** Every scheduled job. Each feature adds its own here. */
export const jobs: JobDefinition[] = [
  {
    name: 'session-cleanup',
    description: 'Deletes expired sessions and stale throttle rows',
    schedule: '0 */10 * * * *',
    run: ({ db, clock }) => deleteExpiredSessions(db, clock.now()),
  },
];
