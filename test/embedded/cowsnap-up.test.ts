import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { mountsUnder } from '../../storage-drivers/common/mounts.js';
import { embeddedLayout, stopEmbedded } from '../../src/embedded/embedded-default.js';
import { forceTeardownEmbeddedSync, registerTeardown } from '../support/cleanup.js';
import { needs } from '../support/components.js';
import { scratchDir } from '../support/scratch.js';
import { execIn } from '../support/docker-exec.js';
import Docker from 'dockerode';

const runner = new ExecFileRunner();

/**
 * The CLI as an operator runs it after the quick start: the built JavaScript in dist/ (built here the way
 * scripts/quickstart.sh builds it), with the environment pointing everything into this test's folder.
 */
function cowsnap(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['dist/src/cli/main.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function buildLikeQuickstart(): void {
  execFileSync('bash', ['scripts/build.sh'], { env: { ...process.env, COWSNAP_NO_LINK: '1' }, stdio: 'inherit' });
}

async function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = child.exitCode ?? (await new Promise<number | null>((resolve) => child.once('exit', resolve)));
  return { code, stdout, stderr };
}

describe('cowsnap up / down (real pool, dockerd, service, CLI over a unix socket)', needs('docker'), () => {
  const stateDir = scratchDir('up');
  const layout = embeddedLayout(stateDir);
  const env = {
    COWSNAP_STATE_DIR: stateDir,
    COWSNAP_TOKEN_FILE: join(stateDir, 'etc/token'),
    COWSNAP_KEY_FILE: join(stateDir, 'etc/secret.key'),
    COWSNAP_LISTEN: `unix:${join(stateDir, 'api.sock')}`,
    COWSNAP_LOG_LEVEL: 'warn',
    COWSNAP_CONFIG: '',
  };
  let up: ChildProcess | undefined;
  const registration = registerTeardown(
    `cowsnap up in ${stateDir}`,
    async () => {
      if (up?.exitCode === null) up.kill('SIGKILL');
      await stopEmbedded(stateDir, runner);
      await rm(stateDir, { recursive: true, force: true });
    },
    () => {
      forceTeardownEmbeddedSync(stateDir, up?.pid);
    },
  );
  after(() => registration.release());
  buildLikeQuickstart();

  it('comes up, prints the token and examples, and the CLI reaches it with the token file', async () => {
    up = cowsnap(['up'], env);
    let banner = '';
    up.stdout?.on('data', (chunk: Buffer) => (banner += chunk.toString()));
    const started = Date.now();
    while (!banner.includes('snapshot(s)') && up.exitCode === null && Date.now() - started < 180_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(banner, /cowsnap is up at unix:/);
    assert.match(banner, /token: +[0-9a-f]{64}/);
    assert.match(banner, /First snapshot made just now: snap-\d{8}-\d{6}(-\d+)? of cowsnap-demo/);
    assert.match(banner, /rootfs: \//);
    assert.match(banner, /curl -s -X POST .*--unix-socket|--unix-socket .*\/api\/v1\/containers\/cowsnap-demo\/snapshots/s);

    const list = await finish(cowsnap(['--json', 'containers', 'list'], env));
    assert.equal(list.code, 0, list.stderr);
    const containers = (JSON.parse(list.stdout) as { containers: { name: string; state: string }[] }).containers;
    assert.deepEqual(containers.map((c) => [c.name, c.state]), [['cowsnap-demo', 'running']]);

    const again = await finish(cowsnap(['up'], env));
    assert.equal(again.code, 2, 'a second up is refused while the first runs');
    assert.match(again.stderr, /already running/);
  });

  it('lets an operator snapshot, list, restore by alias, copy and delete with the CLI against the demo container', async () => {
    const docker = new Docker({ socketPath: layout.socketPath });
    const demo = docker.getContainer('cowsnap-demo');
    const cli = async (...args: string[]): Promise<string> => {
      const result = await finish(cowsnap(args, env));
      assert.equal(result.code, 0, `cowsnap ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };

    await execIn(demo, ['sh', '-c', 'echo good > /tmp/cli-state']);
    const created = JSON.parse(await cli('--json', 'snapshots', 'create', '--container', 'cowsnap-demo', '--alias', 'cli-good', '--expiry', '30')) as {
      snapshot: { name: string; alias: string; expires_at: string };
    };
    assert.equal(created.snapshot.alias, 'cli-good');
    assert.notEqual(created.snapshot.expires_at, null);
    const table = await cli('snapshots', 'list', '--container', 'cowsnap-demo');
    assert.match(table, new RegExp(created.snapshot.name));
    assert.match(table, /cli-good/);

    await execIn(demo, ['sh', '-c', 'echo broken > /tmp/cli-state']);
    await cli('snapshots', 'restore', '--container', 'cowsnap-demo', '--name', 'cli-good');
    assert.equal(await execIn(demo, ['cat', '/tmp/cli-state']), 'good\n');
    assert.equal((await demo.inspect()).State.Running, true);

    const copied = JSON.parse(await cli('--json', 'copy', '--container', 'cowsnap-demo', '--name', 'demo-copy', '--source-snapshot', 'cli-good')) as {
      container: { id: string; state: string };
    };
    assert.equal(copied.container.state, 'running');
    assert.equal(await execIn(docker.getContainer('demo-copy'), ['cat', '/tmp/cli-state']), 'good\n');

    await cli('snapshots', 'delete', '--container', 'cowsnap-demo', '--name', 'cli-good');
    const missing = await finish(cowsnap(['snapshots', 'get', '--container', 'cowsnap-demo', '--name', 'cli-good'], env));
    assert.equal(missing.code, 1, 'an API error exits 1');
    assert.match(missing.stderr, /cli-good/);
  });

  it('down stops the up process in order and leaves nothing mounted or running', async () => {
    assert.ok(up !== undefined);
    const upExit = finish(up);
    const down = await finish(cowsnap(['down'], env));
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await upExit).code, 0);
    assert.deepEqual(mountsUnder(layout.mountPoint), []);
    const { stdout } = await runner.run('losetup', ['--associated', layout.imagePath, '--noheadings']);
    assert.equal(stdout.trim(), '');
    const unreachable = await finish(cowsnap(['containers', 'list'], env));
    assert.equal(unreachable.code, 3);
  });
});
