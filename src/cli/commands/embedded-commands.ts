import { setTimeout as sleep } from 'node:timers/promises';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import pino from 'pino';
import { ExecFileRunner } from '../../../storage-drivers/common/command-runner.js';
import type { CowsnapConfig } from '../../config/config.js';
import { DEMO_CONTAINER, embeddedLayout, startEmbedded, stopEmbedded } from '../../embedded/embedded-default.js';
import type { CliIo } from '../cli-io.js';
import type { GlobalOptions } from '../client-context.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';
import { waitForShutdownSignal } from '../shutdown-signal.js';
import { isAlive } from '../../embedded/process-alive.js';
import { ApiClient } from '../api-client.js';

export function upCommand(io: CliIo): Command {
  return new Command('up')
    .description('quick start: own btrfs pool + private dockerd + demo container under the state dir, then serve (Ctrl-C stops it all)')
    .action(async (_opts: unknown, command: Command) => {
      requireRoot();
      const base = loadConfigOrFail(command.optsWithGlobals<GlobalOptions>().config, io.env);
      const layout = embeddedLayout(base.stateDir);
      const other = await livePid(layout.upPidFile);
      if (other !== undefined) throw new CliFailure(ExitCode.usage, `cowsnap up is already running (pid ${other}); stop it with: cowsnap down`);

      const runner = new ExecFileRunner();
      const say = (line: string): void => { io.stdout(`${line}\n`); };
      const env = await startEmbedded(base, { runner, log: say });
      let running: { close(): Promise<void>; url: string; token: string } | undefined;
      try {
        await writeFile(layout.upPidFile, `${process.pid}\n`, { mode: 0o600 });
        const { startService } = await import('../../service.js');
        // Logs to stderr so the instructions on stdout stay readable.
        running = await startService(env.config, pino({ level: base.logLevel }, pino.destination(2)));
        say(instructions(env.config, running.url, running.token));
        say(await firstSnapshot(running.url, running.token));
        await waitForShutdownSignal();
        say('stopping: service, dockerd (containers are kept), pool');
      } finally {
        await running?.close();
        await stopEmbedded(base.stateDir, runner);
        await rm(layout.upPidFile, { force: true });
      }
      say('stopped');
    });
}

export function downCommand(io: CliIo): Command {
  return new Command('down')
    .description('stop what cowsnap up started: the service, the private dockerd (containers kept), the pool')
    .action(async (_opts: unknown, command: Command) => {
      requireRoot();
      const base = loadConfigOrFail(command.optsWithGlobals<GlobalOptions>().config, io.env);
      const layout = embeddedLayout(base.stateDir);
      const pid = await livePid(layout.upPidFile);
      if (pid !== undefined) {
        // The up process shuts down in order itself; we only wait for it.
        process.kill(pid, 'SIGTERM');
        const deadline = Date.now() + 180_000;
        while (isAlive(pid) && Date.now() < deadline) await sleep(200);
        if (isAlive(pid)) throw new CliFailure(ExitCode.unexpected, `cowsnap up (pid ${pid}) did not stop within 3 minutes`);
      }
      // Also after a crash of `up`: whatever is still running or mounted goes now.
      await stopEmbedded(base.stateDir, new ExecFileRunner());
      await rm(layout.upPidFile, { force: true });
      io.stdout('cowsnap embedded environment stopped\n');
    });
}

/** The quick start shows a real snapshot, made through the API as any client would make it. */
async function firstSnapshot(url: string, token: string): Promise<string> {
  const api = new ApiClient({ url, token });
  try {
    const created = await api.call('POST', `/api/v1/containers/${DEMO_CONTAINER}/snapshots`, { expiry: 7, tags: ['quickstart'] });
    const snapshot = (created.data as { snapshot: { name: string; filesystems: { role: string; dataset: string }[] } }).snapshot;
    const listed = await api.call('GET', `/api/v1/containers/${DEMO_CONTAINER}/snapshots?limit=5`);
    const total = (listed.data as { total: number }).total;
    return [
      `First snapshot made just now: ${snapshot.name} of ${DEMO_CONTAINER} (expires in 7 days; its size is measured in the background)`,
      ...snapshot.filesystems.map((f) => `  ${f.role}: ${f.dataset}`),
      `${DEMO_CONTAINER} has ${total} snapshot(s): cowsnap snapshots list --container ${DEMO_CONTAINER}`,
      '',
    ].join('\n');
  } catch (error) {
    return `Could not take the first snapshot: ${error instanceof Error ? error.message : String(error)}\n`;
  }
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new CliFailure(ExitCode.usage, 'cowsnap up/down need root (they mount a btrfs pool and run dockerd)');
}


async function livePid(file: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

function instructions(config: CowsnapConfig, url: string, token: string): string {
  const curlTarget = url.startsWith('unix:') ? `--unix-socket ${url.slice(5)} http://localhost` : url;
  const consoleLine = url.startsWith('unix:')
    ? 'web console: needs a TCP listen address (COWSNAP_LISTEN=127.0.0.1:7878); this one is a unix socket'
    : `web console: ${url}/ui/   (open it in a browser, sign in with the token below)`;
  return `
cowsnap is up at ${url}
  ${consoleLine}
  token:      ${token}   (also in ${config.tokenFile})
  pool:       ${config.pools.map((p) => ('path' in p ? p.path : p.dataset)).join(', ')}
  docker:     DOCKER_HOST=unix://${config.dockerSocket} docker ps

Take a first snapshot of the demo container:
  curl -s -X POST -H "Authorization: Bearer ${token}" -H 'content-type: application/json' \\
    -d '{"alias":"first"}' ${curlTarget}/api/v1/containers/${DEMO_CONTAINER}/snapshots

Or with the CLI (reads the token file):
  cowsnap snapshots create --container ${DEMO_CONTAINER} --alias first
  cowsnap snapshots list --container ${DEMO_CONTAINER}
  cowsnap snapshots restore --container ${DEMO_CONTAINER} --name first

Ctrl-C (or cowsnap down) stops the service and dockerd and unmounts the pool; cowsnap up resumes it all.
`;
}
