import type { JobDefinition } from './scheduler.ts';
import { deleteExpiredSessions } from '../auth/cleanup.ts';
import { drainOutbox } from '../messaging/dispatcher.ts';
import { capturedTransports } from '../messaging/transports.ts';
import { runAppointmentReminders } from '../reminders/reminders.ts';

/** Every scheduled job. Each feature adds its own here. */
export const jobs: JobDefinition[] = [
  {
    name: 'session-cleanup',
    description: 'Deletes expired sessions and stale throttle rows',
    schedule: '0 */10 * * * *',
    run: ({ db, clock }) => deleteExpiredSessions(db, clock.now()),
  },
  {
    name: 'outbox-dispatch',
    description: 'Sends queued emails and texts from the outbox (retries, quiet hours, send-time re-checks)',
    schedule: '*/5 * * * * *',
    run: ({ db, clock, transports }) => drainOutbox(db, clock.now(), transports ?? capturedTransports),
  },
  {
    name: 'appointment-reminders',
    description: 'Queues appointment reminders at the practice’s lead time (texts moved before quiet hours)',
    schedule: '30 * * * * *',
    run: ({ db, clock }) => runAppointmentReminders(db, clock.now()),
  },
];
