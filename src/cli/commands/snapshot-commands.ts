import { Command, Option } from 'commander';
import { ClientContext } from '../client-context.js';
import { diffCommand } from './diff-command.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import { collect, integerIn, segment } from '../option-parsers.js';
import { formatBytes, formatFields, formatTable, formatTime, text } from '../table.js';
import type { SnapshotJson } from '../../http/wire/snapshot-json.js';

const base = (container: string): string => `/api/v1/containers/${segment(container)}/snapshots`;

export function snapshotCommands(io: CliIo): Command {
  const snapshots = new Command('snapshots').description('create, list, restore, change and delete snapshots');
  const ctx = (command: Command): ClientContext => new ClientContext(io, command);

  snapshots
    .command('create')
    .description('snapshot a container now')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .option('--alias <alias>', 'a unique, changeable label (1–100 printable characters)')
    .option('--expiry <days>', 'delete automatically after this many days (1–3650); default: keep', integerIn(1, 3650))
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .addOption(new Option('--quiesce <mode>', 'freeze the container for the snapshot').choices(['none', 'pause', 'stop']))
    .action(async (opts: { container: string; alias?: string; expiry?: number; tag?: string[]; quiesce?: string }, command: Command) => {
      const c = ctx(command);
      const body = { alias: opts.alias, expiry: opts.expiry, tags: opts.tag, quiesce: opts.quiesce };
      const result = await c.call('POST', base(opts.container), withoutUndefined(body));
      c.print(result, (data) => `${result.message}\n${describeSnapshot(snapshotOf(data))}`);
    });

  snapshots
    .command('list')
    .description("a container's snapshots, newest first")
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .option('--limit <n>', 'at most this many (1–500)', integerIn(1, 500))
    .option('--offset <n>', 'skip this many', integerIn(0, Number.MAX_SAFE_INTEGER))
    .option('--alias <alias>', 'only the snapshot with this alias')
    .addOption(new Option('--state <state>', 'only snapshots in this state').choices(['creating', 'ready', 'failed', 'deleting']))
    .option('--tag <tag>', 'only snapshots carrying this tag (exact match)')
    .action(async (opts: { container: string; limit?: number; offset?: number; alias?: string; state?: string; tag?: string }, command: Command) => {
      const c = ctx(command);
      const query = new URLSearchParams();
      for (const key of ['limit', 'offset', 'alias', 'state', 'tag'] as const) {
        const value = opts[key];
        if (value !== undefined) query.set(key, String(value));
      }
      const qs = query.size > 0 ? `?${query.toString()}` : '';
      const result = await c.call('GET', `${base(opts.container)}${qs}`);
      c.print(result, (data) => {
        const list = data as { snapshots: SnapshotJson[]; total?: number; offset?: number };
        const rows = list.snapshots.map((s) => [
          s.name,
          text(s.alias),
          formatTime(s.created_at),
          s.expires_at === null ? 'never' : formatTime(s.expires_at),
          formatBytes(s.size),
          s.state,
          s.tags.join(',') || '-',
        ]);
        const shown = `${list.snapshots.length} of ${String(list.total ?? list.snapshots.length)} snapshots\n`;
        return formatTable(['NAME', 'ALIAS', 'CREATED', 'EXPIRES', 'SIZE', 'STATE', 'TAGS'], rows) + shown;
      });
    });

  snapshots
    .command('get')
    .description('one snapshot (by name or alias)')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name or alias')
    .action(async (opts: { container: string; name: string }, command: Command) => {
      const c = ctx(command);
      const result = await c.call('GET', `${base(opts.container)}/${segment(opts.name)}`);
      c.print(result, (data) => describeSnapshot(snapshotOf(data)));
    });

  snapshots
    .command('restore')
    .description('put the container back to a snapshot (newer snapshots are kept)')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name or alias')
    .option('--safety-snapshot', 'snapshot the current state first, so the restore can be undone')
    .option('--stop-sharing-containers', 'stop (and start again) other running containers that mount a dataset the restore swaps, instead of refusing')
    .action(async (opts: { container: string; name: string; safetySnapshot?: boolean; stopSharingContainers?: boolean }, command: Command) => {
      const c = ctx(command);
      const result = await c.call('PATCH', `${base(opts.container)}/${segment(opts.name)}`, {
        safety_snapshot: opts.safetySnapshot === true,
        ...(opts.stopSharingContainers === true ? { stop_sharing_containers: true } : {}),
      });
      c.print(result, (data) => {
        const restore = data as { safety_snapshot?: SnapshotJson | null; duration_ms?: number; was_running?: boolean };
        const lines = [result.message];
        if (restore.safety_snapshot) lines.push(`Safety snapshot: ${restore.safety_snapshot.name}`);
        if (restore.duration_ms !== undefined) lines.push(`Took ${restore.duration_ms} ms${restore.was_running === true ? ' (container restarted)' : ''}.`);
        return `${lines.join('\n')}\n`;
      });
    });

  snapshots
    .command('update')
    .description("change a snapshot's alias, expiry or tags")
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name or alias')
    .addOption(new Option('--alias <alias>', 'new alias').conflicts('clearAlias'))
    .option('--clear-alias', 'remove the alias')
    .addOption(new Option('--expiry <days>', 'expire this many days from now (1–3650)').argParser(integerIn(1, 3650)).conflicts('permanent'))
    .option('--permanent', 'never expire')
    .option('--tag <tag>', 'replace the tags with these (repeatable)', collect)
    .action(
      async (
        opts: { container: string; name: string; alias?: string; clearAlias?: boolean; expiry?: number; permanent?: boolean; tag?: string[] },
        command: Command,
      ) => {
        const c = ctx(command);
        const body = withoutUndefined({
          alias: opts.clearAlias === true ? null : opts.alias,
          expiry: opts.permanent === true ? null : opts.expiry,
          tags: opts.tag,
        });
        if (Object.keys(body).length === 0) {
          throw new CliFailure(ExitCode.usage, 'nothing to change: give --alias, --clear-alias, --expiry, --permanent or --tag');
        }
        const result = await c.call('PUT', `${base(opts.container)}/${segment(opts.name)}`, body);
        c.print(result, (data) => `${result.message}\n${describeSnapshot(snapshotOf(data))}`);
      },
    );

  snapshots
    .command('delete')
    .description('delete a snapshot and free its space')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--name <snapshot>', 'snapshot name or alias')
    .action(async (opts: { container: string; name: string }, command: Command) => {
      const c = ctx(command);
      const result = await c.call('DELETE', `${base(opts.container)}/${segment(opts.name)}`);
      c.print(result, () => `${result.message}\n`);
    });

  snapshots.addCommand(diffCommand(io));
  return snapshots;
}

function snapshotOf(data: unknown): SnapshotJson {
  return (data as { snapshot: SnapshotJson }).snapshot;
}

function describeSnapshot(s: SnapshotJson): string {
  const fields: [string, string][] = [
    ['name', s.name],
    ['alias', text(s.alias)],
    ['state', s.state],
    ['created', text(s.created_at)],
    ['expires', s.expires_at ?? 'never'],
    ['last used', text(s.last_used_at)],
    ['size', formatBytes(s.size)],
    ['tags', s.tags.join(', ') || '-'],
  ];
  fields.push(['origin', s.origin]);
  for (const fs of s.filesystems) fields.push([`captured ${fs.role}`, `${fs.mount_point} (${fs.pool}: ${fs.dataset})`]);
  for (const u of s.uncaptured) fields.push([`not captured`, `${u.mount_point}: ${u.reason}`]);
  if (s.error !== null) fields.push(['error', s.error]);
  return formatFields(fields);
}

export function withoutUndefined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}
