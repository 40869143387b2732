import { Command } from 'commander';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import { integerIn, segment } from '../option-parsers.js';
import { formatBytes, formatTable, formatTime, text } from '../table.js';
import type { ReplicaJson } from '../../http/wire/replica-json.js';
import { describeOperation, waitForOperation } from './operation-commands.js';
import type { OperationJson } from '../../http/wire/replica-json.js';

interface VerifyJson {
  ok: boolean;
  streams: { index: number; mount_point: string; ok: boolean; bytes: number; problem: string | null }[];
}

const base = (container: string, snapshot: string): string => `/api/v1/containers/${segment(container)}/snapshots/${segment(snapshot)}/replicas`;

export function replicaCommands(io: CliIo): Command {
  const replicas = new Command('replicas').description("push snapshots to remotes (S3 buckets), list, verify and delete their replicas");
  const ctx = (command: Command): ClientContext => new ClientContext(io, command);

  replicas
    .command('push')
    .description('upload a snapshot to a remote in the background (incremental when its previous replica is there)')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name or alias')
    .requiredOption('--remote <remote>', 'remote id (config remotes[].id)')
    .option('--expiry <days>', 'delete the replica from the remote after this many days (1–3650); default: kept until deleted', integerIn(1, 3650))
    .option('--wait', 'wait until the upload has finished; exit 1 if it failed')
    .action(async (opts: { container: string; name: string; remote: string; expiry?: number; wait?: boolean }, command: Command) => {
      const c = ctx(command);
      const result = await c.call('POST', base(opts.container, opts.name), { remote: opts.remote, ...(opts.expiry === undefined ? {} : { expiry: opts.expiry }) });
      const operation = (result.data as { operation: OperationJson }).operation;
      if (opts.wait !== true) {
        c.print(result, () => `${result.message}\nFollow it with: cowsnap operations get --id ${String(operation.id)}\n`);
        return;
      }
      if (!c.json) io.stdout(`${result.message}\n`);
      const finished = await waitForOperation(c, operation.id);
      c.print(finished, (data) => describeOperation(data as OperationJson));
      const done = finished.data as OperationJson;
      if (done.state === 'failed') throw new CliFailure(ExitCode.apiError, `the upload failed: ${done.error?.message ?? 'no reason given'}`);
    });

  replicas
    .command('list')
    .description("a snapshot's replicas as this host uploaded them; without --name every replica of the container, with remote expiry and why an expired one is kept")
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .option('--name <snapshot>', 'snapshot name or alias')
    .option('--remote <remote>', 'only this remote (without --name)')
    .action(async (opts: { container: string; name?: string; remote?: string }, command: Command) => {
      const c = ctx(command);
      if (opts.name === undefined) {
        const query = opts.remote === undefined ? '' : `?remote=${segment(opts.remote)}`;
        const result = await c.call('GET', `/api/v1/containers/${segment(opts.container)}/replicas${query}`);
        const list = (result.data as { replicas: (ReplicaJson & { snapshot: string; expires_at: string | null; why: string | null })[] }).replicas;
        c.print({ ...result, data: list }, () => {
          const rows = list.map((r) => [r.snapshot, r.remote, r.state, formatBytes(r.stored_bytes), text(r.parent), formatTime(r.expires_at), text(r.why)]);
          return formatTable(['SNAPSHOT', 'REMOTE', 'STATE', 'STORED', 'PARENT', 'EXPIRES', 'KEPT BECAUSE'], rows);
        });
        return;
      }
      const result = await c.call('GET', `/api/v1/containers/${segment(opts.container)}/snapshots/${segment(opts.name)}`);
      const list = ((result.data as { snapshot: { replicas?: ReplicaJson[] } }).snapshot.replicas ?? []);
      c.print({ ...result, data: list }, () => {
        const rows = list.map((r) => [r.remote, r.state, formatBytes(r.bytes), formatBytes(r.stored_bytes), text(r.parent), formatTime(r.uploaded_at), text(r.error)]);
        return formatTable(['REMOTE', 'STATE', 'SIZE', 'STORED', 'PARENT', 'UPLOADED', 'ERROR'], rows);
      });
    });

  replicas
    .command('delete')
    .description('delete a replica from its remote (refused while an incremental replica depends on it); the local snapshot stays')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name or alias')
    .requiredOption('--remote <remote>', 'remote id')
    .action(async (opts: { container: string; name: string; remote: string }, command: Command) => {
      const c = ctx(command);
      const result = await c.call('DELETE', `${base(opts.container, opts.name)}/${segment(opts.remote)}`);
      c.print(result, () => `${result.message}\n`);
    });

  replicas
    .command('verify')
    .description("read a replica back from the bucket and check every chunk's tag and each stream's sha256; exit 1 if damaged")
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name or alias')
    .requiredOption('--remote <remote>', 'remote id')
    .action(async (opts: { container: string; name: string; remote: string }, command: Command) => {
      const c = ctx(command);
      const result = await c.call('POST', `${base(opts.container, opts.name)}/${segment(opts.remote)}/verify`);
      const verified = result.data as VerifyJson;
      c.print(result, () => {
        const rows = verified.streams.map((s) => [String(s.index), s.mount_point, s.ok ? 'ok' : 'DAMAGED', formatBytes(s.bytes), text(s.problem)]);
        return `${result.message}\n${formatTable(['STREAM', 'MOUNT', 'RESULT', 'READ', 'PROBLEM'], rows)}`;
      });
      if (!verified.ok) throw new CliFailure(ExitCode.apiError, 'the replica failed verification');
    });

  return replicas;
}

export function remoteCommands(io: CliIo): Command {
  const remotes = new Command('remotes').description('configured remotes and the replicas in them (also those other hosts pushed)');
  const ctx = (command: Command): ClientContext => new ClientContext(io, command);

  remotes
    .command('list')
    .description('the configured remotes')
    .action(async (_opts: unknown, command: Command) => {
      const c = ctx(command);
      const result = await c.call('GET', '/api/v1/remotes');
      c.print(result, (data) => formatTable(['REMOTE'], (data as { remotes: { id: string }[] }).remotes.map((r) => [r.id])));
    });

  remotes
    .command('snapshots')
    .description("the replicas in a remote, read from the bucket's manifests")
    .requiredOption('--remote <remote>', 'remote id')
    .option('--container <container>', 'only this container (id, or an id prefix or name this host knows)')
    .option('--limit <n>', 'at most this many (1–500)', integerIn(1, 500))
    .option('--offset <n>', 'skip this many', integerIn(0, Number.MAX_SAFE_INTEGER))
    .action(async (opts: { remote: string; container?: string; limit?: number; offset?: number }, command: Command) => {
      const c = ctx(command);
      const query = new URLSearchParams();
      if (opts.container !== undefined) query.set('container', opts.container);
      if (opts.limit !== undefined) query.set('limit', String(opts.limit));
      if (opts.offset !== undefined) query.set('offset', String(opts.offset));
      const qs = query.size > 0 ? `?${query.toString()}` : '';
      const result = await c.call('GET', `/api/v1/remotes/${segment(opts.remote)}/snapshots${qs}`);
      c.print(result, (data) => {
        const page = data as {
          snapshots: { container_name: string; container_id: string; name: string; alias: string | null; incremental: boolean; bytes: number; stored_bytes: number; uploaded_at: string }[];
          invalid: { key: string; problem: string }[];
          has_more: boolean;
        };
        const rows = page.snapshots.map((s) => [
          s.container_name,
          s.container_id.slice(0, 12),
          s.name,
          text(s.alias),
          s.incremental ? 'incremental' : 'full',
          formatBytes(s.bytes),
          formatBytes(s.stored_bytes),
          formatTime(s.uploaded_at),
        ]);
        const invalid = page.invalid.map((i) => `invalid manifest ${i.key}: ${i.problem}\n`).join('');
        return formatTable(['CONTAINER', 'ID', 'SNAPSHOT', 'ALIAS', 'KIND', 'SIZE', 'STORED', 'UPLOADED'], rows) + invalid + (page.has_more ? 'more: use --offset\n' : '');
      });
    });

  return remotes;
}
