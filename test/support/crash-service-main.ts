/**
 * `cowsnap serve` for crash tests: the real service (src/service.ts) in its own process, with a crash
 * checkpoint that kills the process with SIGKILL at the point named in COWSNAP_CRASH_AT (e.g.
 * `restore:stopped`, `btrfs-restore:after-move-old`), as a power cut would. The production entry has no
 * such hook; everything else (config file, logging, SIGTERM/SIGINT shutdown) is as `cowsnap serve` does it.
 * Usage: node --import tsx test/support/crash-service-main.ts <config.json>
 */
import pino from 'pino';
import { waitForShutdownSignal } from '../../src/cli/shutdown-signal.js';
import { loadConfig } from '../../src/config/config-loader.js';
import { startService } from '../../src/service.js';
import type { CrashCheckpoint } from '../../storage-drivers/common/crash-checkpoint.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: crash-service-main.ts <config.json>');
const crashAt = process.env.COWSNAP_CRASH_AT;
const crashCheckpoint: CrashCheckpoint = (point) => {
  if (point === crashAt) process.kill(process.pid, 'SIGKILL');
};

const config = loadConfig({ file, env: process.env });
const logger = pino({ level: config.logLevel });
const running = await startService(config, logger, { crashCheckpoint });
await waitForShutdownSignal();
await running.close();
