/**
 * A cowsnap service in a child process, for the reaper crash test: it starts on the given configuration
 * with its clock at the given time, and its start-up reaper run begins deleting at once. The test
 * SIGKILLs it halfway; nothing here cleans up, which is the point.
 *   node --import tsx test/e2e/support/reaper-child.ts <config.json> <ISO time> <reaper concurrency>
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { CowsnapConfig } from '../../../src/config/config.js';
import { ManualClock } from '../../../src/core/clock.js';
import { startService } from '../../../src/service.js';

const [configPath, time, concurrency] = process.argv.slice(2);
if (configPath === undefined || time === undefined) throw new Error('usage: reaper-child.ts <config.json> <ISO time> [concurrency]');
const config = JSON.parse(readFileSync(configPath, 'utf8')) as CowsnapConfig;
await startService(config, pino({ level: 'silent' }), { clock: new ManualClock(time), reaper: { concurrency: Number(concurrency ?? '4') } });
process.stdout.write('started\n');
