/**
 * Fault injection for crash tests: with COWSNAP_CRASH_AT=<point> in its environment the process kills
 * itself with SIGKILL at that point, as a power cut or an OOM kill would, leaving every half-done step
 * for start-up recovery to find. Unset (always, outside tests) it does nothing.
 */
export function crashCheckpoint(point: string): void {
  if (process.env.COWSNAP_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
