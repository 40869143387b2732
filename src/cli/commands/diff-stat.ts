/** `cowsnap snapshots diff` output, in the manner of `git diff --stat`: one line per path, then a summary. */
import { formatBytes } from '../table.js';

export interface DiffFileJson {
  path: string;
  change: 'added' | 'modified' | 'deleted' | 'renamed';
  from: string | null;
  type: string | null;
  size_before: number | null;
  size_after: number | null;
}

export interface DiffJson {
  from: string;
  to: string;
  files: DiffFileJson[];
  total: number;
  summary: Record<DiffFileJson['change'], number>;
  filesystems: { mount_point: string; compared: boolean; reason: string | null }[];
  config: {
    changed: boolean;
    image: { before: string; after: string } | null;
    cmd: { before: string[] | null; after: string[] | null } | null;
    entrypoint: { before: string[] | null; after: string[] | null } | null;
    working_dir: { before: string; after: string } | null;
    user: { before: string; after: string } | null;
    labels: { added: string[]; removed: string[]; changed: string[] };
    env: { added: string[]; removed: string[]; changed: string[] };
  };
}

const MARK = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R' } as const;

function sizes(file: DiffFileJson): string {
  if (file.type === 'dir') return 'dir';
  const { size_before: before, size_after: after } = file;
  if (before !== null && after !== null && before !== after) {
    const delta = after - before;
    return `${formatBytes(before)} -> ${formatBytes(after)} (${delta > 0 ? '+' : '-'}${formatBytes(Math.abs(delta))})`;
  }
  return formatBytes(after ?? before);
}

export function formatDiffStat(diff: DiffJson): string {
  const width = Math.min(60, Math.max(0, ...diff.files.map((f) => f.path.length)));
  const lines = diff.files.map((f) => {
    const renamed = f.from === null ? '' : ` (from ${f.from})`;
    return ` ${f.path.padEnd(width)} | ${MARK[f.change]} ${sizes(f)}${renamed}`;
  });
  const { added, modified, deleted, renamed } = diff.summary;
  const shown = diff.files.length < diff.total ? ` (${String(diff.files.length)} shown)` : '';
  lines.push(` ${String(diff.total)} path(s) changed from ${diff.from} to ${diff.to}${shown}: ${String(added)} added, ${String(modified)} modified, ${String(deleted)} deleted, ${String(renamed)} renamed`);
  for (const fs of diff.filesystems.filter((f) => !f.compared)) lines.push(` not compared: ${fs.mount_point} (${fs.reason ?? 'unknown reason'})`);
  lines.push(...configLines(diff.config));
  return `${lines.join('\n')}\n`;
}

function configLines(config: DiffJson['config']): string[] {
  if (!config.changed) return [' config: unchanged'];
  const lines: string[] = [];
  const show = (value: unknown): string => JSON.stringify(value);
  for (const [name, change] of [['image', config.image], ['cmd', config.cmd], ['entrypoint', config.entrypoint], ['working dir', config.working_dir], ['user', config.user]] as const) {
    if (change !== null) lines.push(` config ${name}: ${show(change.before)} -> ${show(change.after)}`);
  }
  for (const [name, keys] of [['label', config.labels], ['env', config.env]] as const) {
    for (const kind of ['added', 'removed', 'changed'] as const) {
      // Environment variables by name only: their values are secrets.
      if (keys[kind].length > 0) lines.push(` config ${name} ${kind}: ${keys[kind].join(', ')}`);
    }
  }
  return lines;
}
