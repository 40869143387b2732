import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

/** Runs a command inside a running container and returns its output; fails on a non-zero exit. */
export async function execIn(container: Docker.Container, command: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // dockerode types its modem as any; demuxStream splits Docker's multiplexed stdout/stderr.
  const modem = container.modem as { demuxStream(stream: NodeJS.ReadableStream, out: PassThrough, err: PassThrough): void };
  modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`${command.join(' ')} exited ${String(ExitCode)}: ${err}`);
  return out;
}

/** The host path of a container's writable layer on Docker's btrfs storage driver (design.md §1). */
export async function layerPath(dataRoot: string, containerId: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const mountId = (await readFile(`${dataRoot}/image/btrfs/layerdb/mounts/${containerId}/mount-id`, 'utf8')).trim();
  return `${dataRoot}/btrfs/subvolumes/${mountId}`;
}
