/**
 * The real cowsnap service (src/service.ts: SQLite, drivers, Docker, HTTP) as its own process for the chaos
 * run, so it can be SIGKILLed. Test-only entry: it differs from `cowsnap serve` in two things, both for the
 * driver's sake and neither reachable in production:
 * - time is the wall clock plus an offset the driver moves forward (CHAOS_CLOCK_OFFSET_MS at start, then
 *   IPC), so snapshots with a 1-day expiry expire and hourly schedules come due within a run of minutes;
 * - the driver asks for a scheduler run and a reaper pass over the IPC channel (`{ tick, offsetMs }`), and
 *   gets `{ tickDone, scheduled, reaped, error? }` back.
 * Usage: node --import tsx test/chaos/chaos-service-main.ts <config.json>  (forked with an IPC channel)
 */
import pino from 'pino';
import { loadConfig } from '../../src/config/config-loader.js';
import type { Clock } from '../../src/core/clock.js';
import { startService } from '../../src/service.js';

export interface TickRequest {
  readonly tick: number;
  readonly offsetMs: number;
}
export interface TickReply {
  readonly tickDone: number;
  readonly scheduled: number;
  readonly reaped: number;
  readonly error?: string;
}

let offsetMs = Number(process.env.CHAOS_CLOCK_OFFSET_MS ?? '0');
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

const file = process.argv[2];
if (file === undefined) throw new Error('usage: chaos-service-main.ts <config.json>');
const config = loadConfig({ file, env: process.env });
const logger = pino({ level: config.logLevel });
logger.info({ loadMs: Math.round(process.uptime() * 1000) }, 'chaos service: modules loaded');
const running = await startService(config, logger, { clock, reaper: { baseBackoffMs: 200, maxBackoffMs: 2_000 } });
process.send?.({ ready: running.url, startup: running.startup });

process.on('message', (message: TickRequest) => {
  offsetMs = Math.max(offsetMs, message.offsetMs);
  const reply = async (): Promise<TickReply> => {
    try {
      const runs = await running.scheduler.runDue();
      const reaped = await running.reaper.run();
      return { tickDone: message.tick, scheduled: runs.length, reaped: reaped.deleted };
    } catch (error) {
      return { tickDone: message.tick, scheduled: 0, reaped: 0, error: String(error) };
    }
  };
  void reply().then((answer) => process.send?.(answer));
});
process.once('SIGTERM', () => {
  void running.close().then(() => process.exit(0));
});
