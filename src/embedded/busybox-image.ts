import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { CommandRunner } from '../../storage-drivers/common/command-runner.js';

/** Debian's busybox-static: one static binary, so the image needs nothing else. */
export const BUSYBOX_STATIC = '/bin/busybox';

const ROOTFS_DIRS = ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/local/bin', 'etc', 'tmp', 'root', 'var', 'proc', 'sys', 'dev', 'data'];

/**
 * Makes an image without a registry: a rootfs of busybox and its applet links, packed with tar and
 * loaded with `docker import`.
 */
export async function importBusyboxImage(docker: Docker, runner: CommandRunner, reference: string): Promise<string> {
  const existing = await docker.getImage(reference).inspect().catch(() => undefined);
  if (existing !== undefined) return existing.Id;

  const work = await mkdtemp(join(tmpdir(), 'cowsnap-rootfs-'));
  try {
    const root = join(work, 'rootfs');
    for (const dir of ROOTFS_DIRS) await mkdir(join(root, dir), { recursive: true });
    await copyFile(BUSYBOX_STATIC, join(root, 'bin/busybox'));
    const { stdout } = await runner.run(BUSYBOX_STATIC, ['--list']);
    for (const applet of stdout.split('\n').map((line) => line.trim())) {
      // The binary itself must stay a file; a link named busybox would point at itself.
      if (applet === '' || applet === 'busybox' || applet.includes('/')) continue;
      await symlink('busybox', join(root, 'bin', applet));
    }
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tarball = join(work, 'rootfs.tar');
    await runner.run('tar', ['--numeric-owner', '-C', root, '-cf', tarball, '.']);

    const [repo, tag] = splitReference(reference);
    const stream = await docker.importImage(createReadStream(tarball), {
      repo,
      tag,
      changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["/bin/sh"]'],
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null) => {
        if (error === null) resolve();
        else reject(error);
      });
    });
    return (await docker.getImage(reference).inspect()).Id;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function splitReference(reference: string): [string, string] {
  const colon = reference.lastIndexOf(':');
  if (colon <= 0 || reference.slice(colon).includes('/')) return [reference, 'latest'];
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}
