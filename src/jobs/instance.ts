import { hostname } from 'node:os';

/** This process among the app's instances: named in leases and in the instance heartbeat. */
export const INSTANCE_ID = `${hostname()}:${process.pid}`;

const shutdown = new AbortController();
/** Aborted when the process begins to shut down: long-running work hands its claims back. */
export const shutdownSignal = shutdown.signal;
export function signalShutdown(): void {
  shutdown.abort();
}
