/**
 * CLI for restore, copy and recovery from remotes (design.md §8). Each starts an operation; `--wait`
 * follows it to the end and exits 1 when it failed.
 */
import type { Command } from 'commander';
import type { ApiSuccess } from '../api-client.js';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import { integerIn, segment } from '../option-parsers.js';
import { describeOperation, waitForOperation } from './operation-commands.js';
import type { OperationJson } from '../../http/wire/replica-json.js';

async function follow(c: ClientContext, io: CliIo, result: ApiSuccess, wait: boolean | undefined, what: string): Promise<void> {
  const operation = (result.data as { operation: OperationJson }).operation;
  if (wait !== true) {
    c.print(result, () => `${result.message}\nFollow it with: cowsnap operations get --id ${String(operation.id)} --wait\n`);
    return;
  }
  if (!c.json) io.stdout(`${result.message}\n`);
  const finished = await waitForOperation(c, operation.id);
  c.print(finished, (data) => describeOperation(data as OperationJson));
  const done = finished.data as OperationJson;
  if (done.state === 'failed') throw new CliFailure(ExitCode.apiError, `the ${what} failed: ${done.error?.message ?? 'no reason given'}`);
}

const EXPIRY_HELP = 'delete the snapshots this download records on this host after this many days (1–3650); default: keep them';

/** `expiry` in the body only when the option was given. */
const expiryField = (expiry: number | undefined): { expiry?: number } => (expiry === undefined ? {} : { expiry });
const projectField = (project: string | undefined): { target_project_id?: string } => (project === undefined ? {} : { target_project_id: project });

/** `cowsnap replicas restore`: restore a container from its replica (also when the local snapshot is gone). */
export function addReplicaRestoreCommand(replicas: Command, io: CliIo): void {
  replicas
    .command('restore')
    .description('restore a container from its replica in a remote, also when the local snapshot is gone (downloads only what the pool lacks)')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name (or an alias the local snapshot still has)')
    .requiredOption('--remote <remote>', 'remote id')
    .option('--safety-snapshot', 'take a snapshot of the current state first')
    .option('--stop-sharing-containers', 'stop and restart other running containers that mount a swapped dataset')
    .option('--expiry <days>', EXPIRY_HELP, integerIn(1, 3650))
    .option('--wait', 'wait until the restore has finished; exit 1 if it failed')
    .action(async (opts: { container: string; name: string; remote: string; safetySnapshot?: boolean; stopSharingContainers?: boolean; expiry?: number; wait?: boolean }, command: Command) => {
      const c = new ClientContext(io, command);
      const path = `/api/v1/containers/${segment(opts.container)}/snapshots/${segment(opts.name)}/replicas/${segment(opts.remote)}/restore`;
      const result = await c.call('POST', path, {
        safety_snapshot: opts.safetySnapshot === true,
        stop_sharing_containers: opts.stopSharingContainers === true,
        ...expiryField(opts.expiry),
      });
      await follow(c, io, result, opts.wait, 'restore');
    });
}

/** `cowsnap remotes copy` and `cowsnap remotes recover`. */
export function addRemoteCopyCommands(remotes: Command, io: CliIo): void {
  remotes
    .command('copy')
    .description('a new container on this host from a replica any host pushed (the image must be on this host)')
    .requiredOption('--remote <remote>', 'remote id')
    .requiredOption('--container-id <id>', 'id of the container the replica was pushed from (see `cowsnap remotes snapshots`)')
    .requiredOption('--snapshot <snapshot>', "the replica's snapshot name")
    .requiredOption('--name <name>', 'name of the new container')
    .option('--no-start', 'create it without starting it')
    .option('--expiry <days>', EXPIRY_HELP, integerIn(1, 3650))
    .option('--project <project>', "the project the copy lands in (default: its source's)")
    .option('--wait', 'wait until the copy has finished; exit 1 if it failed')
    .action(async (opts: { remote: string; containerId: string; snapshot: string; name: string; start: boolean; expiry?: number; project?: string; wait?: boolean }, command: Command) => {
      const c = new ClientContext(io, command);
      const path = `/api/v1/remotes/${segment(opts.remote)}/snapshots/${segment(opts.containerId)}/${segment(opts.snapshot)}/copy`;
      const result = await c.call('POST', path, { name: opts.name, start: opts.start, ...expiryField(opts.expiry), ...projectField(opts.project) });
      await follow(c, io, result, opts.wait, 'copy');
    });

  remotes
    .command('recover')
    .description('disaster recovery: recreate a lost container on this host at its newest replica (old name kept when free)')
    .requiredOption('--remote <remote>', 'remote id')
    .requiredOption('--container <container>', "the lost container's id, id prefix or name")
    .option('--name <name>', 'name of the recreated container (default: the old name, or <old>-recovered when taken)')
    .option('--no-start', 'create it without starting it')
    .option('--expiry <days>', EXPIRY_HELP, integerIn(1, 3650))
    .option('--project <project>', "the project the recreated container lands in (default: its source's)")
    .option('--wait', 'wait until the recovery has finished; exit 1 if it failed')
    .action(async (opts: { remote: string; container: string; name?: string; start: boolean; expiry?: number; project?: string; wait?: boolean }, command: Command) => {
      const c = new ClientContext(io, command);
      const body = { container: opts.container, start: opts.start, ...(opts.name !== undefined && { name: opts.name }), ...expiryField(opts.expiry), ...projectField(opts.project) };
      const result = await c.call('POST', `/api/v1/remotes/${segment(opts.remote)}/recover`, body);
      await follow(c, io, result, opts.wait, 'recovery');
    });
}
