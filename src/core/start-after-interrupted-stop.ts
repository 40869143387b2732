/**
 * Starting a container again after a stop that cowsnap asked for and whose caller may have died (a crash
 * or kill of the service during a restore or a `stop` quiesce). Docker may still be stopping it: the
 * main process has up to the stop timeout to exit, and a start meanwhile is a no-op on a container
 * about to exit, which would leave it stopped for good. Used by start-up recovery (the thaw of a snapshot's
 * quiesce) and by owed starts alike, so both treat this one situation the same way.
 */
import type { RuntimePort } from './ports.js';

/** What was done: `started`, or `started-since` when it was started after `stopAskedAt` (left as it is). */
export type StartAfterStop = 'started' | 'started-since';

export async function startAfterInterruptedStop(
  runtime: Pick<RuntimePort, 'inspect' | 'stop' | 'start'>,
  containerId: string,
  /** When the stop was asked for (or just before). */
  stopAskedAt: Date,
): Promise<StartAfterStop> {
  const { state } = await runtime.inspect(containerId);
  if (state.running) {
    // Started since (Docker's restart policy, an operator, an earlier recovery): nothing is owed any more.
    if (state.startedAt !== undefined && state.startedAt.getTime() > stopAskedAt.getTime()) return 'started-since';
    // Running since before: the stop may still be under way. Stopping first waits for that exit, or stops
    // a container the stop never reached, which is then restarted as the operation would have done.
    await runtime.stop(containerId);
  }
  await runtime.start(containerId);
  return 'started';
}
