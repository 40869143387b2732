import { randomBytes, createHash } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { TestDockerEngine } from '../support/docker-engine.js';
import { layerPath } from '../support/docker-exec.js';
import { treeHash } from '../support/tree-digest.js';
import type { TestZfsPool } from '../support/zfs-pool.js';

/** The folder the driver writes into each filesystem (rootfs and mounts alike). */
const CONTENT_DIR = 'chaos';
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

/** One captured filesystem as the driver models it: what it should hold now. */
export interface Filesystem {
  /** `rootfs:c4`, `zfs:shared`, `zfs:c3`, `btrfs:c5` */
  readonly id: string;
  readonly pool: 'docker-pool' | 'tank';
  /** The dataset as cowsnap names it (subvolume path or zfs dataset); rootfs: known once the container exists. */
  dataset: string;
  /** The host folder of the driver's content in this filesystem. */
  readonly contentDir: () => Promise<string>;
  /** Tree hash of the content expected now. */
  current: string;
  /** Held by a content-changing driver operation (write + snapshot, restore). */
  locked: boolean;
}

export interface ChaosContainer {
  readonly name: string;
  id: string;
  readonly filesystems: Filesystem[];
  /** Containers that share a dataset with this one. */
  readonly siblings: string[];
}

/** A snapshot whose content the driver knows (it wrote it, under lock, before asking for the snapshot). */
export interface KnownSnapshot {
  readonly name: string;
  /** filesystem id → tree hash */
  readonly content: ReadonlyMap<string, string>;
}

export interface World {
  readonly containers: ChaosContainer[];
  readonly filesystems: Filesystem[];
  readonly known: Map<string, KnownSnapshot[]>;
}

/** Tree hash of a content folder, or `missing` when it is not there (unmounted dataset, lost layer). */
export async function contentHash(dir: string): Promise<string> {
  try {
    await stat(dir);
  } catch {
    return 'missing';
  }
  return treeHash(dir);
}

/** New content: 1–3 random files and a marker with a token and a checksum manifest of the files. */
export async function writeContent(fs: Filesystem, token: string, fileCount: number): Promise<string> {
  const dir = await fs.contentDir();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const manifest: Record<string, string> = {};
  for (let i = 0; i < fileCount; i += 1) {
    const data = randomBytes(1024 * (1 + (token.charCodeAt(i) % 48)));
    await writeFile(join(dir, `data-${String(i)}`), data);
    manifest[`data-${String(i)}`] = createHash('sha256').update(data).digest('hex');
  }
  await writeFile(join(dir, 'marker.json'), JSON.stringify({ token, filesystem: fs.id, files: manifest }));
  fs.current = await contentHash(dir);
  return fs.current;
}

/**
 * Ten containers: c0–c2 share the zfs dataset `shared` (/shared), c3–c4 have a zfs dataset each (/data),
 * c5–c6 a btrfs subvolume each (/data), c7–c9 only their rootfs. Every filesystem gets first content.
 */
export async function buildWorld(engine: TestDockerEngine, zfs: TestZfsPool): Promise<World> {
  const runner = new ExecFileRunner();
  const filesystems: Filesystem[] = [];
  const containers: ChaosContainer[] = [];
  const volumes = join(engine.pool.mountPoint, 'vols');
  await mkdir(volumes, { recursive: true });

  const zfsDataset = async (name: string): Promise<Filesystem> => {
    await runner.run('zfs', ['create', `${zfs.name}/${name}`]);
    const mount = join(zfs.mountPoint, name);
    return { id: `zfs:${name}`, pool: 'tank', dataset: `${zfs.name}/${name}`, contentDir: () => Promise.resolve(join(mount, CONTENT_DIR)), current: '', locked: false };
  };
  const subvolume = async (name: string): Promise<Filesystem> => {
    const path = join(volumes, name);
    await runner.run('btrfs', ['subvolume', 'create', path]);
    return { id: `btrfs:${name}`, pool: 'docker-pool', dataset: path, contentDir: () => Promise.resolve(join(path, CONTENT_DIR)), current: '', locked: false };
  };
  const shared = await zfsDataset('shared');
  filesystems.push(shared);

  for (let i = 0; i < 10; i += 1) {
    const name = `c${String(i)}`;
    const mounts: { fs: Filesystem; target: string; source: string }[] = [];
    if (i <= 2) mounts.push({ fs: shared, target: '/shared', source: join(zfs.mountPoint, 'shared') });
    else if (i <= 4) {
      const fs = await zfsDataset(name);
      filesystems.push(fs);
      mounts.push({ fs, target: '/data', source: join(zfs.mountPoint, name) });
    } else if (i <= 6) {
      const fs = await subvolume(name);
      filesystems.push(fs);
      mounts.push({ fs, target: '/data', source: fs.dataset });
    }
    const created: Docker.Container = await engine.docker.createContainer({
      Image: engine.image,
      Cmd: LOOP,
      name,
      HostConfig: { Binds: mounts.map((m) => `${m.source}:${m.target}`) },
    });
    await created.start();
    const layer = await layerPath(engine.dataRoot, created.id);
    const rootfs: Filesystem = {
      id: `rootfs:${name}`,
      pool: 'docker-pool',
      dataset: layer,
      // Re-read each time: the layer's path is what Docker says, whatever a restore did to it.
      contentDir: async () => join(await layerPath(engine.dataRoot, created.id), CONTENT_DIR),
      current: '',
      locked: false,
    };
    filesystems.push(rootfs);
    containers.push({ name, id: created.id, filesystems: [rootfs, ...mounts.map((m) => m.fs)], siblings: i <= 2 ? ['c0', 'c1', 'c2'].filter((s) => s !== name) : [] });
  }
  for (const fs of filesystems) await writeContent(fs, `initial-${fs.id}`, 2);
  return { containers, filesystems, known: new Map(containers.map((c) => [c.name, []])) };
}

/** Takes every lock or none. */
export function tryLock(filesystems: readonly Filesystem[]): boolean {
  if (filesystems.some((fs) => fs.locked)) return false;
  for (const fs of filesystems) fs.locked = true;
  return true;
}

export function unlock(filesystems: readonly Filesystem[]): void {
  for (const fs of filesystems) fs.locked = false;
}
