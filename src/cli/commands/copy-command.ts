import { Command } from 'commander';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { segment } from '../option-parsers.js';
import { formatFields, text } from '../table.js';
import { withoutUndefined } from './snapshot-commands.js';

export function copyCommand(io: CliIo): Command {
  return new Command('copy')
    .description('a new container from a snapshot (--source-snapshot), or from the current state through a temporary snapshot, with writable clones of its filesystems')
    .requiredOption('--container <container>', 'source container id, id prefix or name (may already be removed)')
    .requiredOption('--name <name>', 'name of the new container')
    .option('--source-snapshot <snapshot>', 'snapshot name or alias to copy from')
    .option('--no-start', 'create the new container but do not start it')
    .option('--project <project>', "the project the copy lands in (default: its source's)")
    .action(async (opts: { container: string; name: string; sourceSnapshot?: string; start: boolean; project?: string }, command: Command) => {
      const c = new ClientContext(io, command);
      const body = withoutUndefined({ name: opts.name, source_snapshot: opts.sourceSnapshot, start: opts.start, target_project_id: opts.project });
      const result = await c.call('POST', `/api/v1/containers/${segment(opts.container)}/copy`, body);
      c.print(result, (data) => {
        const record = (data ?? {}) as Record<string, unknown>;
        const container = (record['container'] ?? {}) as Record<string, unknown>;
        const fields: [string, string][] = [];
        if (container['id'] !== undefined) fields.push(['id', text(container['id'])]);
        if (container['name'] !== undefined) fields.push(['name', text(container['name'])]);
        if (container['state'] !== undefined) fields.push(['state', text(container['state'])]);
        if (record['project_id'] !== undefined) fields.push(['project', text(record['project_id'])]);
        const source = record['source_snapshot'] as { name?: unknown } | string | undefined;
        if (source !== undefined) fields.push(['from snapshot', typeof source === 'string' ? source : text(source.name)]);
        // What the copy did not carry over must reach the person too, not only the count in the message.
        const warnings = Array.isArray(record['warnings']) ? record['warnings'].map((w) => `warning: ${text(w)}\n`).join('') : '';
        return `${result.message}\n${fields.length > 0 ? formatFields(fields) : ''}${warnings}`;
      });
    });
}
