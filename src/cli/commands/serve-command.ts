import { Command } from 'commander';
import pino from 'pino';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import type { GlobalOptions } from '../client-context.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';
import { waitForShutdownSignal } from '../shutdown-signal.js';

export function serveCommand(io: CliIo): Command {
  return new Command('serve')
    .description('run the cowsnap service in the foreground (what systemd/cowsnap.service starts)')
    .action(async (_opts: unknown, command: Command) => {
      const config = loadConfigOrFail(command.optsWithGlobals<GlobalOptions>().config, io.env);
      // Loaded here, not at the top: client commands should not pay for SQLite, Docker and Koa.
      const { startService } = await import('../../service.js');
      const logger = pino({ level: config.logLevel });
      const running = await startService(config, logger).catch((error: unknown) => {
        // One clear line for the journal; the full error with its cause goes to the log.
        logger.fatal({ err: error }, 'cowsnap could not start');
        throw new CliFailure(ExitCode.unexpected, `cowsnap could not start: ${error instanceof Error ? error.message : String(error)}`, [], { cause: error });
      });
      const signal = await waitForShutdownSignal();
      logger.info({ signal }, 'shutting down');
      await running.close();
    });
}
