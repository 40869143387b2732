/** `cowsnap keys`, `cowsnap projects` and `cowsnap audit` (design.md §9), over the same API as scripts. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { integerIn, segment } from '../option-parsers.js';
import { formatBytes, formatFields, formatTable, formatTime, text } from '../table.js';
import { withoutUndefined } from './snapshot-commands.js';

type Json = Record<string, unknown>;

/** A quota: a whole number, or "none" for unlimited (sent as null; commander cannot hold a null value). */
function limit(value: string): number | 'none' {
  if (value === 'none') return 'none';
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number or "none".`);
  return Number(value);
}

/** --replica-bytes vault=10737418240 (repeatable). */
function remoteLimit(value: string, previous: Record<string, number> | undefined): Record<string, number> {
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})=(\d+)$/.exec(value);
  if (match?.[1] === undefined || match[2] === undefined) throw new InvalidArgumentError(`"${value}" is not <remote>=<bytes>.`);
  return { ...previous, [match[1]]: Number(match[2]) };
}

interface QuotaOptions {
  maxSnapshots?: number | 'none';
  maxSnapshotBytes?: number | 'none';
  maxSchedules?: number | 'none';
  replicaBytes?: Record<string, number>;
}

function withQuotaOptions(command: Command): Command {
  return command
    .option('--max-snapshots <n|none>', 'snapshots being created or ready', limit)
    .option('--max-snapshot-bytes <n|none>', 'sum of the exclusive sizes of its snapshots', limit)
    .option('--max-schedules <n|none>', 'schedules of its containers', limit)
    .option('--replica-bytes <remote=bytes>', 'stored bytes of its replicas in a remote (repeatable; replaces the whole list)', remoteLimit);
}

function quotaBody(opts: QuotaOptions): Json {
  const value = (given: number | 'none' | undefined): number | null | undefined => (given === 'none' ? null : given);
  return withoutUndefined({
    max_snapshots: value(opts.maxSnapshots),
    max_snapshot_bytes: value(opts.maxSnapshotBytes),
    max_schedules: value(opts.maxSchedules),
    max_replica_bytes: opts.replicaBytes,
  });
}

function describeProject(data: unknown): string {
  const project = (data as { project?: Json } | null)?.project;
  if (project === undefined) return '';
  const quotas = project['quotas'] as Json;
  const usage = project['usage'] as Json;
  const of = (used: unknown, max: unknown, bytes = false): string => {
    const show = (v: unknown): string => (bytes ? formatBytes(v as number | null) : text(v));
    return `${show(used)} of ${max === null ? 'unlimited' : show(max)}`;
  };
  const replicaUse = (usage['replica_bytes'] ?? {}) as Record<string, number>;
  const replicaMax = (quotas['max_replica_bytes'] ?? {}) as Record<string, number>;
  const remotes = [...new Set([...Object.keys(replicaUse), ...Object.keys(replicaMax)])].sort();
  return formatFields([
    ['project', text(project['id'])],
    ['created', formatTime(project['created_at'])],
    ['containers', text(usage['containers'])],
    ['snapshots', of(usage['snapshots'], quotas['max_snapshots'])],
    ['snapshot bytes', of(usage['snapshot_bytes'], quotas['max_snapshot_bytes'], true)],
    ['schedules', of(usage['schedules'], quotas['max_schedules'])],
    ...remotes.map((remote): [string, string] => [`replicas in ${remote}`, of(replicaUse[remote] ?? 0, replicaMax[remote] ?? null, true)]),
  ]);
}

export function projectCommands(io: CliIo): Command {
  const projects = new Command('projects').description('projects: which containers a key may see, and their quotas');

  projects
    .command('list')
    .description('projects with their use and quotas')
    .action(async (_opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('GET', '/api/v1/projects');
      c.print(result, (data) => {
        const list = (data as { projects?: Json[] } | null)?.projects ?? [];
        const rows = list.map((p) => {
          const q = p['quotas'] as Json;
          const u = p['usage'] as Json;
          return [text(p['id']), text(u['containers']), `${text(u['snapshots'])}/${text(q['max_snapshots'] ?? '∞')}`, formatBytes(u['snapshot_bytes'] as number), `${text(u['schedules'])}/${text(q['max_schedules'] ?? '∞')}`];
        });
        return formatTable(['PROJECT', 'CONTAINERS', 'SNAPSHOTS', 'SNAPSHOT BYTES', 'SCHEDULES'], rows);
      });
    });

  projects
    .command('show')
    .description("one project's use next to its quotas")
    .argument('<project>', 'project id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('GET', `/api/v1/projects/${segment(id)}`);
      c.print(result, describeProject);
    });

  withQuotaOptions(projects.command('create').description('create a project (admin, all-projects key)').argument('<project>', 'project id: lowercase letters, digits, "_", "-"')).action(
    async (id: string, opts: QuotaOptions, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('POST', '/api/v1/projects', { id, ...quotaBody(opts) });
      c.print(result, (data) => `${result.message}\n${describeProject(data)}`);
    },
  );

  withQuotaOptions(projects.command('set-quota').description('change quotas ("none" = unlimited; options left out stay)').argument('<project>', 'project id')).action(
    async (id: string, opts: QuotaOptions, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('PUT', `/api/v1/projects/${segment(id)}`, quotaBody(opts));
      c.print(result, (data) => `${result.message}\n${describeProject(data)}`);
    },
  );

  projects
    .command('delete')
    .description('delete a project with no containers and no active keys')
    .argument('<project>', 'project id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('DELETE', `/api/v1/projects/${segment(id)}`);
      c.print(result, () => `${result.message}\n`);
    });

  projects
    .command('assign')
    .description('move a container, with its snapshots and schedules, into a project')
    .argument('<container>', 'container id, id prefix or name')
    .argument('<project>', 'project id')
    .action(async (container: string, project: string, _opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('PUT', `/api/v1/containers/${segment(container)}`, { project });
      c.print(result, () => `${result.message}\n`);
    });

  return projects;
}

interface KeyCreateOptions { name: string; project: string; role: string; expires?: string }

export function keyCommands(io: CliIo): Command {
  const keys = new Command('keys').description('API keys: a role (viewer, operator, admin) for one project or all');

  keys
    .command('create')
    .description('create a key; its token is printed once and never again')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--project <project>', 'the project it may see, or "*" for every project')
    .addOption(new Option('--role <role>', 'viewer: reads; operator: snapshots, restore, copy, schedules, replicas; admin: also keys, projects, quotas, audit').choices(['viewer', 'operator', 'admin']).makeOptionMandatory())
    .option('--expires <time>', 'when it stops working, ISO-8601 (e.g. 2027-01-01T00:00:00Z)')
    .action(async (opts: KeyCreateOptions, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('POST', '/api/v1/keys', withoutUndefined({ name: opts.name, project: opts.project, role: opts.role, expires_at: opts.expires }));
      c.print(result, (data) => {
        const d = data as { key: Json; token: string };
        return `${result.message}\n${formatFields([['id', text(d.key['id'])], ['role', text(d.key['role'])], ['project', text(d.key['project'])], ['expires', formatTime(d.key['expires_at'])], ['token', d.token]])}`;
      });
    });

  keys
    .command('list')
    .description('keys, without their secrets')
    .action(async (_opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('GET', '/api/v1/keys');
      c.print(result, (data) => {
        const list = (data as { keys?: Json[] } | null)?.keys ?? [];
        const rows = list.map((k) => [
          text(k['id']),
          text(k['name']),
          text(k['project']),
          text(k['role']),
          formatTime(k['created_at']),
          k['revoked_at'] !== null ? `revoked ${formatTime(k['revoked_at'])}` : k['expires_at'] !== null ? `expires ${formatTime(k['expires_at'])}` : 'active',
        ]);
        return formatTable(['ID', 'NAME', 'PROJECT', 'ROLE', 'CREATED', 'STATUS'], rows);
      });
    });

  keys
    .command('revoke')
    .description('revoke a key: it stops working at once')
    .argument('<id>', 'key id (the 16 hex characters after "cs_")')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const c = new ClientContext(io, command);
      const result = await c.call('DELETE', `/api/v1/keys/${segment(id)}`);
      c.print(result, () => `${result.message}\n`);
    });

  return keys;
}

interface AuditOptions { project?: string; since?: string; action?: string; key?: string; limit: number; offset: number }

export function auditCommand(io: CliIo): Command {
  return new Command('audit')
    .description('the audit log: who changed what, newest first (admin)')
    .option('--project <project>', 'only this project')
    .option('--since <time>', 'only entries at or after this ISO-8601 time')
    .option('--action <action>', 'only this action (createSnapshot, revokeKey, reaper.delete, schedule.run, ...)')
    .option('--key <id>', 'only this key id ("system" for background work, "bootstrap" for the token file)')
    .option('--limit <n>', 'at most this many entries', integerIn(1, 1000), 100)
    .option('--offset <n>', 'skip this many', integerIn(0, Number.MAX_SAFE_INTEGER), 0)
    .action(async (opts: AuditOptions, command: Command) => {
      const c = new ClientContext(io, command);
      const query = new URLSearchParams(withoutUndefined({ project: opts.project, since: opts.since, action: opts.action, key: opts.key, limit: String(opts.limit), offset: String(opts.offset) }) as Record<string, string>);
      const result = await c.call('GET', `/api/v1/audit?${query.toString()}`);
      c.print(result, (data) => {
        const list = (data as { entries?: Json[] } | null)?.entries ?? [];
        const rows = list.map((e) => [formatTime(e['at']), text(e['key_id']), text(e['project_id']), text(e['action']), text(e['target']), text(e['result'])]);
        return `${result.message}\n${formatTable(['AT', 'KEY', 'PROJECT', 'ACTION', 'TARGET', 'RESULT'], rows)}`;
      });
    });
}
