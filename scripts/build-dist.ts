/**
 * Builds dist/: the `cowsnap` command (and the service it runs with `serve`) as one minified ES module
 * bundle, `dist/src/cli/main.js`, plus chunks for what loads on demand (the service itself, the S3 remote
 * support, koa-body). Run by `npm run build` and scripts/build.sh; bench/support/dist-service.ts calls
 * buildDistBundle(). The entry's path is the one the systemd unit, the quick start and `cowsnap` on the PATH
 * have always run, so an installed unit keeps working after an upgrade.
 *
 * Why a bundle (issue #17 goal 5, bench/README.md "Session 8, idle memory"): Node keeps the source text of
 * every loaded module in V8's heap and wraps each CommonJS file in a function of its own; the service
 * loaded ~370 files at idle (ajv, prom-client with @opentelemetry/api, uuid, dockerode ...). One minified
 * file per chunk holds less source, and tree-shaking leaves out what nothing imports.
 *
 * Kept outside the bundle, loaded from node_modules at run time:
 * - native addons: better-sqlite3 (its loader looks for the .node file next to its own package) and koffi;
 * - ssh2 (with cpu-features) and @grpc/*: src/runtime/left-out-docker-transports.ts puts stand-ins for them
 *   into Node's module cache, by the file dockerode would load, so the bundled dockerode must `require()` them
 *   from node_modules to get the stand-ins;
 * - the AWS SDK: loaded only when a remote is configured, it stays as the remote tests run it.
 * Source maps are written next to the files; node reads them only with --enable-source-maps.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(import.meta.dirname, '..');
/** The entry every launcher runs: `node dist/src/cli/main.js serve` (systemd), `... up` (quick start). */
export const DIST_ENTRY = join('dist', 'src', 'cli', 'main.js');

export const BUNDLE_EXTERNALS = ['better-sqlite3', 'koffi', 'ssh2', 'cpu-features', '@grpc/grpc-js', '@grpc/proto-loader', '@aws-sdk/*', '@smithy/*'];

export async function buildDistBundle(root: string = ROOT): Promise<void> {
  await rm(join(root, 'dist'), { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: join(root, 'dist', 'src', 'cli'),
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    // Error classes name themselves after their class (`this.name = new.target.name`), and the log shows it.
    keepNames: true,
    sourcemap: 'linked',
    // Licence texts go to *.LEGAL.txt files next to the chunks instead of into the source V8 keeps in memory.
    legalComments: 'external',
    external: BUNDLE_EXTERNALS,
    // Bundled CommonJS dependencies call require() (node: modules, the externals); an ES module has none.
    banner: { js: "import { createRequire as __cowsnapCreateRequire } from 'node:module'; const require = __cowsnapCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDistBundle();
