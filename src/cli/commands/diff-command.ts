/** `cowsnap snapshots diff`: what changed since a snapshot, printed like `git diff --stat`. */
import { Command } from 'commander';
import { ClientContext } from '../client-context.js';
import type { CliIo } from '../cli-io.js';
import { integerIn, segment } from '../option-parsers.js';
import { formatDiffStat, type DiffJson } from './diff-stat.js';

const PAGE = 1000;

export function diffCommand(io: CliIo): Command {
  return new Command('diff')
    .description('files added, modified, deleted and renamed since a snapshot, and configuration changes (env by name only)')
    .requiredOption('--container <container>', 'container id, id prefix or name')
    .requiredOption('--from <snapshot>', 'the earlier snapshot (name or alias)')
    .option('--to <snapshot>', 'a later snapshot (name or alias), or "current"', 'current')
    .option('--to-container <container>', "compare with another container's snapshot (e.g. a copy)")
    .option('--limit <n>', 'show at most this many paths (the summary counts all)', integerIn(1, Number.MAX_SAFE_INTEGER))
    .action(async (opts: { container: string; from: string; to: string; toContainer?: string; limit?: number }, command: Command) => {
      const c = new ClientContext(io, command);
      const base = `/api/v1/containers/${segment(opts.container)}/snapshots/${segment(opts.from)}/diff`;
      const wanted = opts.limit ?? Number.MAX_SAFE_INTEGER;
      let combined: DiffJson | undefined;
      let result;
      // Pages until every path (or --limit of them) is in; the counts come with the first page.
      do {
        const offset = combined?.files.length ?? 0;
        const query = new URLSearchParams({ to: opts.to, limit: String(Math.min(PAGE, wanted - offset)), offset: String(offset) });
        if (opts.toContainer !== undefined) query.set('to_container', opts.toContainer);
        result = await c.call('GET', `${base}?${query.toString()}`);
        const page = result.data as DiffJson;
        combined = combined === undefined ? page : { ...combined, files: [...combined.files, ...page.files] };
        if (page.files.length === 0) break;
      } while (combined.files.length < Math.min(combined.total, wanted));
      const all = combined;
      c.print({ ...result, data: all }, () => formatDiffStat(all));
    });
}
