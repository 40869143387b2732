import type { ScheduleJson, ScheduleListJson, ScheduleResultJson } from '../../http/wire/schedule-json.js';
import { Command, Option } from 'commander';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import { daysIn, integerIn, segment } from '../option-parsers.js';
import { formatFields, formatTable, formatTime, text } from '../table.js';
import { withoutUndefined } from './snapshot-commands.js';


interface ScheduleOptions {
  container: string;
  id?: string;
  cron?: string;
  timezone?: string;
  aliasTemplate?: string;
  expiry?: number;
  permanent?: boolean;
  clearAliasTemplate?: boolean;
  all?: boolean;
  quiesce?: string;
  keepMin?: number;
  paused?: boolean;
  replicateRemote?: string;
  replicateExpiry?: number;
  fullEvery?: number;
  stopReplicating?: boolean;
}

const base = (container: string): string => `/api/v1/containers/${segment(container)}/schedules`;

/** The options create and update share; update sends only what was given. */
function withScheduleOptions(command: Command, cronRequired: boolean): Command {
  const cron = '--cron <expression>';
  const cronHelp = 'cron expression, e.g. "0 3 * * *" for daily at 03:00';
  (cronRequired ? command.requiredOption(cron, cronHelp) : command.option(cron, cronHelp))
    .option('--timezone <tz>', 'IANA time zone the cron expression is read in (default UTC)')
    .option('--alias-template <template>', 'alias for each snapshot, e.g. "daily-{date}"')
    .option('--expiry <days>', 'each snapshot expires after this many days (1–3650)', integerIn(1, 3650))
    .addOption(new Option('--quiesce <mode>', 'freeze the container for each snapshot').choices(['none', 'pause', 'stop']))
    .option('--keep-min <n>', 'never let expiry leave fewer than this many snapshots of the schedule', integerIn(0, 10000))
    .option('--paused', 'do not run until resumed')
    .option('--no-paused', 'run (resume a paused schedule)')
    .option('--replicate-remote <remote>', 'push each snapshot to this remote (config remotes[].id)')
    .option('--replicate-expiry <days>', 'each replica lives this long in the remote, e.g. 90 or 90d (default: until deleted)', daysIn(1, 36500))
    .option('--full-every <n>', 'every n-th replica is a full stream starting a new chain, so old chains can expire', integerIn(1, 10000));
  if (!cronRequired) {
    command
      .option('--clear-alias-template', 'snapshots of this schedule get no alias')
      .option('--permanent', 'snapshots of this schedule never expire')
      .option('--stop-replicating', 'push no more snapshots (replicas already in the remote stay, with their expiry)');
  }
  return command;
}

/** The replicate setting is replaced as a whole, so its parts need the remote. */
function replicate(opts: ScheduleOptions): Record<string, unknown> | null | undefined {
  if (opts.stopReplicating === true) {
    if (opts.replicateRemote !== undefined) throw new CliFailure(ExitCode.usage, 'give either --stop-replicating or --replicate-remote');
    return null;
  }
  if (opts.replicateRemote === undefined) {
    if (opts.replicateExpiry !== undefined || opts.fullEvery !== undefined) {
      throw new CliFailure(ExitCode.usage, '--replicate-expiry and --full-every need --replicate-remote (the replicate setting is replaced as a whole)');
    }
    return undefined;
  }
  return withoutUndefined({ remote: opts.replicateRemote, expiry: opts.replicateExpiry, full_every: opts.fullEvery });
}

function body(opts: ScheduleOptions): Record<string, unknown> {
  return withoutUndefined({
    replicate: replicate(opts),
    cron: opts.cron,
    timezone: opts.timezone,
    alias_template: opts.clearAliasTemplate === true ? null : opts.aliasTemplate,
    expiry: opts.permanent === true ? null : opts.expiry,
    quiesce: opts.quiesce,
    keep_min: opts.keepMin,
    paused: opts.paused,
  });
}

export function scheduleCommands(io: CliIo): Command {
  const schedules = new Command('schedules').description('scheduled snapshots of a container');
  const container = '--container <container>';
  const containerHelp = 'container id, id prefix or name';

  schedules
    .command('list')
    .description("a container's schedules")
    .requiredOption(container, containerHelp)
    .action(async (opts: ScheduleOptions, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('GET', base(opts.container));
      c.print(result, (data) => {
        const list = (data as ScheduleListJson).schedules;
        const rows = list.map((s) => [
          text(s.id),
          text(s.cron),
          text(s.timezone),
          text(s.alias_template),
          text(s.expiry),
          text(s.quiesce),
          text(s.keep_min),
          s.paused ? `paused${s.paused_reason === null ? '' : ` (${s.paused_reason})`}` : 'active',
          formatTime(s.next_run_at),
          describeReplicate(s.replicate),
        ]);
        return formatTable(['ID', 'CRON', 'TIMEZONE', 'ALIAS TEMPLATE', 'EXPIRY', 'QUIESCE', 'KEEP MIN', 'STATUS', 'NEXT RUN', 'REPLICATE'], rows);
      });
    });

  withScheduleOptions(schedules.command('create').description('add a schedule').requiredOption(container, containerHelp), true).action(
    async (opts: ScheduleOptions, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('POST', base(opts.container), body(opts));
      c.print(result, (data) => `${result.message}\n${describeSchedule(data)}`);
    },
  );

  withScheduleOptions(
    schedules.command('update').description('change a schedule').requiredOption(container, containerHelp).requiredOption('--id <id>', 'schedule id'),
    false,
  ).action(async (opts: ScheduleOptions, command: Command) => {
    const c = new ClientContext(io, command);
    const result = await c.call('PUT', `${base(opts.container)}/${segment(opts.id ?? '')}`, body(opts));
    c.print(result, (data) => `${result.message}\n${describeSchedule(data)}`);
  });

  schedules
    .command('get')
    .description('one schedule, with its last and next run')
    .requiredOption(container, containerHelp)
    .requiredOption('--id <id>', 'schedule id')
    .action(async (opts: ScheduleOptions, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('GET', `${base(opts.container)}/${segment(opts.id ?? '')}`);
      c.print(result, (data) => describeSchedule(data));
    });

  schedules
    .command('delete')
    .description('remove a schedule, or with --all every schedule of the container (their snapshots stay)')
    .requiredOption(container, containerHelp)
    .option('--id <id>', 'schedule id')
    .option('--all', 'every schedule of the container')
    .action(async (opts: ScheduleOptions, command: Command) => {
      if ((opts.id === undefined) === (opts.all !== true)) {
        throw new CliFailure(ExitCode.usage, 'give either --id <id> or --all');
      }
      const c = new ClientContext(io, command);
      const path = opts.id === undefined ? base(opts.container) : `${base(opts.container)}/${segment(opts.id)}`;
      const result = await c.call('DELETE', path);
      c.print(result, () => `${result.message}\n`);
    });

  return schedules;
}

function describeSchedule(data: unknown): string {
  const { schedule } = data as ScheduleResultJson;
  return formatFields(
    Object.entries(schedule).map(([key, value]) => [key.replaceAll('_', ' '), key === 'replicate' ? describeReplicate(schedule.replicate) : text(value)]),
  );
}

function describeReplicate(r: ScheduleJson['replicate']): string {
  if (r === null) return '-';
  const expiry = r.expiry === null ? 'kept' : `${String(r.expiry)}d`;
  const full = r.full_every === null ? '' : `, full every ${String(r.full_every)}`;
  return `${r.remote} (${expiry}${full})`;
}
