import { Command, CommanderError } from 'commander';
import type { CliIo } from './cli-io.js';
import { auditCommand, keyCommands, projectCommands } from './commands/access-commands.js';
import { containerCommands } from './commands/container-commands.js';
import { copyCommand } from './commands/copy-command.js';
import { downCommand, upCommand } from './commands/embedded-commands.js';
import { operationCommands } from './commands/operation-commands.js';
import { remoteCommands, replicaCommands } from './commands/replica-commands.js';
import { addRemoteCopyCommands, addReplicaRestoreCommand } from './commands/remote-restore-commands.js';
import { scheduleCommands } from './commands/schedule-commands.js';
import { serveCommand } from './commands/serve-command.js';
import { snapshotCommands } from './commands/snapshot-commands.js';
import { CliFailure, EXIT_CODES_HELP, ExitCode } from './exit-codes.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('cowsnap')
    .description('Instant copy-on-write snapshots, rollback and cloning for Docker containers on btrfs or ZFS')
    .option('--url <url>', 'service address: http://host:port or unix:/path.sock (default: COWSNAP_URL, else the configured listen address)')
    .option('--token <token>', 'API key or token (default: COWSNAP_TOKEN, else the configured token file)')
    .option('--json', "print the API's data as JSON, for scripts")
    .option('--config <file>', 'configuration file (default: COWSNAP_CONFIG, else /etc/cowsnap/config.json)')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  for (const command of [
    serveCommand(io),
    upCommand(io),
    downCommand(io),
    snapshotCommands(io),
    containerCommands(io),
    copyCommand(io),
    scheduleCommands(io),
    withSubcommands(replicaCommands(io), (replicas) => {
      addReplicaRestoreCommand(replicas, io);
    }),
    withSubcommands(remoteCommands(io), (remotes) => {
      addRemoteCopyCommands(remotes, io);
    }),
    operationCommands(io),
    keyCommands(io),
    projectCommands(io),
    auditCommand(io),
  ]) {
    program.addCommand(command);
  }
  // Subcommands inherit output and exit handling, so errors anywhere come back as exceptions.
  const inherit = (command: Command): void => {
    for (const sub of command.commands) {
      sub.configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).exitOverride().showHelpAfterError('(run with --help for usage)');
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs the CLI and returns its exit code; never calls process.exit, so tests run it in-process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed the message; help and --version are not failures.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof CliFailure) {
      io.stderr(`error: ${error.message}\n${error.detailLines.map((line) => `  - ${line}\n`).join('')}`);
      return error.exitCode;
    }
    io.stderr(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.unexpected;
  }
}

/** A command group with more subcommands added from another file (restore/copy/recover from remotes). */
function withSubcommands(group: Command, add: (group: Command) => void): Command {
  add(group);
  return group;
}
