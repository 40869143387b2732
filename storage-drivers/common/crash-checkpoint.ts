import type { RestoreStep } from '../driver.js';

/**
 * A named point between two steps of a change that must survive a crash (a restore's swap, a quiesced
 * snapshot). Crash tests hand in one that kills the process at the point they name, as a power cut or an
 * OOM kill would, leaving every half-done step for start-up recovery to find (test/support/
 * crash-service-main.ts). The service runs without one: production code names the points, but never
 * holds the means to crash at them.
 */
export type CrashCheckpoint = (point: string) => void;

/** What a driver throws at RestoreOptions.crashAfter: in-process tests stop a restore there, as a crash would. */
export class SimulatedCrash extends Error {
  constructor(readonly step: RestoreStep) {
    super(`simulated crash after restore step "${step}"`);
  }
}
