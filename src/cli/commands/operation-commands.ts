import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { ApiSuccess } from '../api-client.js';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { integerIn } from '../option-parsers.js';
import { formatBytes, formatFields, formatTable, formatTime, text } from '../table.js';
import type { OperationJson } from '../../http/wire/replica-json.js';

const POLL_MS = 1000;

export function operationCommands(io: CliIo): Command {
  const operations = new Command('operations').description('long-running operations (replica uploads) and their progress');
  const ctx = (command: Command): ClientContext => new ClientContext(io, command);

  operations
    .command('get')
    .description('one operation: state, bytes done, error')
    .requiredOption('--id <id>', 'operation id', integerIn(1, Number.MAX_SAFE_INTEGER))
    .option('--wait', 'wait until it has finished')
    .action(async (opts: { id: number; wait?: boolean }, command: Command) => {
      const c = ctx(command);
      const result = opts.wait === true ? await waitForOperation(c, opts.id) : await c.call('GET', `/api/v1/operations/${String(opts.id)}`);
      c.print(result, (data) => describeOperation(data as OperationJson));
    });

  operations
    .command('list')
    .description('operations, newest first')
    .option('--container <container>', 'only this container')
    .option('--state <state>', 'queued, running, succeeded or failed')
    .option('--limit <n>', 'at most this many (1–500)', integerIn(1, 500))
    .action(async (opts: { container?: string; state?: string; limit?: number }, command: Command) => {
      const c = ctx(command);
      const query = new URLSearchParams();
      if (opts.container !== undefined) query.set('container', opts.container);
      if (opts.state !== undefined) query.set('state', opts.state);
      if (opts.limit !== undefined) query.set('limit', String(opts.limit));
      const qs = query.size > 0 ? `?${query.toString()}` : '';
      const result = await c.call('GET', `/api/v1/operations${qs}`);
      c.print(result, (data) => {
        const rows = (data as { operations: OperationJson[] }).operations.map((o) => [
          String(o.id),
          o.kind,
          o.state,
          text(o.snapshot),
          text(o.target),
          formatBytes(o.bytes_done),
          formatTime(o.started_at),
          text(o.error?.code),
        ]);
        return formatTable(['ID', 'KIND', 'STATE', 'SNAPSHOT', 'TARGET', 'DONE', 'STARTED', 'ERROR'], rows);
      });
    });

  return operations;
}

/** Polls until the operation is succeeded or failed. */
export async function waitForOperation(c: ClientContext, id: number): Promise<ApiSuccess> {
  for (;;) {
    const result = await c.call('GET', `/api/v1/operations/${String(id)}`);
    const state = (result.data as OperationJson).state;
    if (state === 'succeeded' || state === 'failed') return result;
    await sleep(POLL_MS);
  }
}

export function describeOperation(o: OperationJson): string {
  const fields: [string, string][] = [
    ['operation', String(o.id)],
    ['kind', o.kind],
    ['state', o.state],
    ['snapshot', text(o.snapshot)],
    ['target', text(o.target)],
    ['done', o.bytes_total === null ? formatBytes(o.bytes_done) : `${formatBytes(o.bytes_done)} of ${formatBytes(o.bytes_total)}`],
    ['started', text(o.started_at)],
    ['finished', text(o.finished_at)],
  ];
  if (o.error !== null) fields.push(['error', `${o.error.message} [${o.error.code}]`]);
  return formatFields(fields);
}
