/**
 * What `cowsnap serve` must not load before it needs it (issue #17, goal 5: idle RSS): the whole module
 * graph of the CLI (which includes the service) is imported in a fresh Node process and the CommonJS
 * modules it loaded are listed. ssh2 and gRPC are dockerode's transports for ssh:// hosts and BuildKit
 * (replaced by stand-ins that fail loudly, src/runtime/left-out-docker-transports.ts); cron-parser (with
 * luxon) is loaded on the first schedule expression. (koa-body, loaded on the first request with a body,
 * is an ES module with zod and formidable, which this list cannot see.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** Imports `modules` in a fresh process, then runs `then`; prints its result as JSON. */
async function inFreshNode(modules: readonly string[], then: string): Promise<unknown> {
  const script = [
    "const { createRequire } = await import('node:module');",
    "const require = createRequire(process.cwd() + '/');",
    ...modules.map((module) => `await import(${JSON.stringify(join(ROOT, module))});`),
    `console.log(JSON.stringify(await (async () => { ${then} })()));`,
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as unknown;
}

describe('modules the idle service does not load', () => {
  it('importing the CLI and the service loads no ssh2, gRPC, protobufjs, cron-parser or luxon', async () => {
    const loaded = (await inFreshNode(['src/cli/program.ts', 'src/service.ts'], 'return Object.keys(require.cache);')) as string[];
    assert.ok(loaded.some((file) => file.includes('/node_modules/dockerode/')), 'dockerode itself is loaded');
    assert.ok(loaded.some((file) => file.includes('/node_modules/koa/')), 'koa is loaded');
    for (const name of ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'cron-parser', 'luxon']) {
      // The stand-ins sit in the cache under the package's main file; a real load brings its other files.
      const files = loaded.filter((file) => file.includes(`/node_modules/${name}/`));
      assert.ok(files.length <= 1, `${name} was loaded: ${files.slice(0, 3).join(', ')}`);
    }
  });

  it('a stand-in fails loudly when dockerode reaches it (an ssh:// Docker host)', async () => {
    const outcome = await inFreshNode(
      ['src/runtime/dockerode.ts'],
      `const Docker = (await import(${JSON.stringify(join(ROOT, 'src/runtime/dockerode.ts'))})).default;
       try { await new Docker({ protocol: 'ssh', host: 'docker.invalid', port: 22 }).ping(); return 'no error'; }
       catch (error) { return { name: error.name, message: error.message }; }`,
    );
    const { name, message } = outcome as { name: string; message: string };
    assert.equal(name, 'LeftOutModuleError');
    assert.match(message, /ssh2/);
    assert.match(message, /unix socket/);
  });

  it('a schedule expression still evaluates (cron-parser loaded on first use)', async () => {
    const slot = await inFreshNode(
      ['src/core/cron-expression.ts'],
      `const { nextSlot } = await import(${JSON.stringify(join(ROOT, 'src/core/cron-expression.ts'))});
       const before = Object.keys(require.cache).some((file) => file.includes('/node_modules/cron-parser/'));
       return { before, next: nextSlot('0 3 * * *', 'Europe/Berlin', new Date('2026-01-01T12:00:00Z')).toISOString() };`,
    );
    assert.deepEqual(slot, { before: false, next: '2026-01-02T02:00:00.000Z' });
  });
});
