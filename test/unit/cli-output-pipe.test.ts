import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

// The real binary, its stdout a pipe whose reader is gone (like `| head` after it had enough).
test('cowsnap --help into a pipe with no reader ends quietly with exit 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // Closed before the child writes: its first write meets a pipe with no reader.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => {
    child.on('close', (exitCode) => {
      resolve(exitCode);
    });
  });
  assert.doesNotMatch(stderr, /EPIPE|Unhandled|at .*\.js/);
  assert.equal(code, 0);
});
