import { spawnSync } from 'node:child_process';

/** The real programs each kind of integration test needs. */
export const COMPONENTS = {
  btrfs: ['mkfs.btrfs', 'btrfs', 'mount', 'umount', 'losetup'],
  zfs: ['zfs-fuse', 'zpool', 'zfs'],
  docker: ['dockerd', 'containerd', 'runc', 'tar', 'mkfs.btrfs'],
  // A throw-away Ceph cluster serving S3 (test/support/object-store.ts).
  rgw: ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool'],
  // The web console's browser tests drive Debian's chromium (test/support/browser.ts).
  browser: ['chromium'],
} as const;

export type Component = keyof typeof COMPONENTS;

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
}

/** Why the components cannot be used here, or undefined when they can. */
export function missingComponents(components: readonly Component[]): string | undefined {
  if (process.getuid?.() !== 0) return 'these tests need root (mount, loop devices, daemons)';
  const missing = components.flatMap((component) => COMPONENTS[component].filter((program) => !onPath(program)));
  return missing.length > 0 ? `not installed: ${[...new Set(missing)].join(', ')} (run scripts/install-deps.sh)` : undefined;
}

/**
 * Options for describe()/it(): skip on a developer machine that lacks a real component. Under CI=true a
 * missing component throws, failing the file, never skipping: a green CI must mean the real thing ran.
 */
export function needs(...components: Component[]): { skip?: string } {
  const reason = missingComponents(components);
  if (reason === undefined) return {};
  if (process.env.CI === 'true') throw new Error(`CI=true and a real component is missing: ${reason}`);
  return { skip: reason };
}

/** First line a program prints about its version, for the test output to show what really ran. */
export function programVersion(program: string, args: readonly string[] = ['--version']): string {
  const result = spawnSync(program, [...args], { encoding: 'utf8' });
  const text = `${result.stdout}${result.stderr}`;
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown';
}
