import { Command } from 'commander';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { segment } from '../option-parsers.js';
import { formatFields, formatTable, text } from '../table.js';
import type { ContainerJson } from '../../http/wire/container-json.js';

export function containerCommands(io: CliIo): Command {
  const containers = new Command('containers').description('containers and what a snapshot of them captures');

  containers
    .command('list')
    .description('containers Docker knows, and removed ones that still have snapshots')
    .action(async (_opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('GET', '/api/v1/containers');
      c.print(result, (data) => {
        const list = (data as { containers: ContainerJson[] }).containers;
        const rows = list.map((ct) => [
          ct.id.slice(0, 12),
          ct.name,
          ct.image,
          ct.state,
          String(ct.snapshot_count),
          `${ct.capture.filter((entry) => entry.captured).length}/${ct.capture.length}`,
        ]);
        return formatTable(['ID', 'NAME', 'IMAGE', 'STATE', 'SNAPSHOTS', 'CAPTURED'], rows);
      });
    });

  containers
    .command('get')
    .description('one container and its capture status')
    .argument('<container>', 'container id, id prefix or name')
    .action(async (container: string, _opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('GET', `/api/v1/containers/${segment(container)}`);
      c.print(result, (data) => {
        const ct = (data as { container: ContainerJson }).container;
        const head = formatFields([
          ['id', ct.id],
          ['name', ct.name],
          ['image', ct.image],
          ['state', ct.state],
          ['snapshots', String(ct.snapshot_count)],
        ]);
        const rows = ct.capture.map((entry) => [
          entry.role,
          entry.mount_point,
          entry.captured ? 'yes' : 'no',
          entry.captured ? `${text(entry.pool)}: ${text(entry.dataset)}` : text(entry.reason),
        ]);
        return `${head}\n${formatTable(['ROLE', 'MOUNT', 'CAPTURED', 'WHERE / WHY NOT'], rows)}`;
      });
    });

  return containers;
}
