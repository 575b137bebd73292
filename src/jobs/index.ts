import type { JobDefinition } from './scheduler.ts';
import { deleteExpiredSessions } from '../auth/cleanup.ts';
import { deleteExpiredPortalSessions } from '../portal/sessions.ts';
import { drainOutbox } from '../messaging/dispatcher.ts';
import { capturedTransports } from '../messaging/transports.ts';
import { runAppointmentReminders } from '../reminders/reminders.ts';
import { runStatements } from '../statements/statements.ts';
import { runBalanceAlerts } from '../balance-alerts/alerts.ts';
import { runTicketDeadlines } from '../tickets/deadlines.ts';
import { runImports } from '../imports/imports.ts';
import { foldTicketCounts } from '../tickets/counts.ts';
import { INSTANCE_ID, shutdownSignal } from './instance.ts';

/** Every scheduled job. Each feature adds its own here. */
export const jobs: JobDefinition[] = [
  {
    name: 'session-cleanup',
    description: 'Deletes expired sessions and stale throttle rows',
    schedule: '0 */10 * * * *',
    run: ({ db, clock }) => deleteExpiredSessions(db, clock.now()),
  },
  {
    name: 'portal-session-cleanup',
    description: 'Deletes expired patient portal sessions',
    schedule: '30 */10 * * * *',
    run: ({ db, clock }) => deleteExpiredPortalSessions(db, clock.now()),
  },
  {
    name: 'imports',
    description: 'Works uploaded CSV imports: claims one waiting, or one whose instance stopped (lease run out), and resumes it after its last saved batch',
    schedule: '*/5 * * * * *',
    run: ({ db, clock }) => runImports(db, clock, { workerId: INSTANCE_ID, signal: shutdownSignal }),
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
    run: ({ db, clock, publicUrl, transports }) => runAppointmentReminders(db, clock.now(), publicUrl ?? transports?.unsubscribe?.publicUrl ?? 'http://localhost:3000'),
  },
  {
    name: 'statements',
    description: 'Generates patient statements 30, 60 and 90 days after the first responsibility of an unpaid balance (hourly check; each once)',
    schedule: '0 7 * * * *',
    run: ({ db, clock, publicUrl }) => runStatements(db, clock.now(), publicUrl ?? 'http://localhost:3000'),
  },
  {
    name: 'balance-alerts',
    description: 'Queues balance alerts (text and email with a portal link) for subscribed patients who are due',
    schedule: '0 */5 * * * *',
    run: ({ db, clock, publicUrl, transports }) => runBalanceAlerts(db, clock.now(), publicUrl ?? transports?.unsubscribe?.publicUrl ?? 'http://localhost:3000'),
  },
  {
    name: 'ticket-counts',
    description: 'Folds the thread changes since the last run into the console’s queue counters (the counts are exact either way; folding keeps them cheap to read)',
    schedule: '*/10 * * * * *',
    run: ({ db }) => foldTicketCounts(db),
  },
  {
    name: 'ticket-deadlines',
    description: 'Warns practices before a ticket’s response deadline, records threads that went Overdue and tells both sides once',
    schedule: '15 * * * * *',
    run: ({ db, clock, publicUrl }) => runTicketDeadlines(db, clock.now(), publicUrl ?? 'http://localhost:3000'),
  },
];
