/**
 * A real store on a temporary SQLite file with its own key file, removed after the test (also on
 * failure or interruption, through the shared teardown registry).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import type { RecordedContainerConfig } from '../../src/core/model.js';
import { CowsnapStore } from '../../src/store/cowsnap-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { loadOrCreateKey, SecretBox } from '../../src/store/secret-box.js';
import type { NewSnapshot } from '../../src/store/snapshot-store.js';
import { registerTeardown } from '../support/cleanup.js';
import { scratchDir } from '../support/scratch.js';

export interface TestStore {
  readonly dir: string;
  readonly databasePath: string;
  readonly keyPath: string;
  readonly clock: ManualClock;
  db: Database;
  store: CowsnapStore;
  /** Closes and opens the same files again, as a restart would. */
  reopen(): void;
  destroy(): Promise<void>;
}

export function createTestStore(): TestStore {
  const dir = scratchDir('store');
  const databasePath = join(dir, 'state', 'cowsnap.db');
  const keyPath = join(dir, 'keys', 'secret.key');
  const clock = new ManualClock('2026-03-04T05:06:07.000Z');
  const open = (): { db: Database; store: CowsnapStore } => {
    const db = openDatabase(databasePath);
    return { db, store: new CowsnapStore(db, new SecretBox(loadOrCreateKey(keyPath)), clock) };
  };
  const removeAll = (): void => {
    if (test.db.open) test.db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const registration = registerTeardown(
    `store ${dir}`,
    () => {
      removeAll();
      return Promise.resolve();
    },
    removeAll,
  );
  const test: TestStore = {
    dir,
    databasePath,
    keyPath,
    clock,
    ...open(),
    reopen() {
      test.db.close();
      Object.assign(test, open());
    },
    destroy: () => registration.release(),
  };
  return test;
}

export const CONTAINER_ID = 'a1b2c3d4e5f6'.padEnd(64, '0');
export const OTHER_CONTAINER_ID = 'ffee00112233'.padEnd(64, '9');

export function sampleConfig(env: string[] = ['DB_PASSWORD=hunter2-very-secret', 'MODE=prod']): RecordedContainerConfig {
  return {
    image: 'cowsnap-test/busybox:latest',
    imageId: `sha256:${'ab'.repeat(32)}`,
    cmd: ['sleep', 'infinity'],
    entrypoint: null,
    env,
    labels: { team: 'infra' },
    workingDir: '/srv',
    user: '1000:1000',
    hostname: 'web',
    ports: [{ containerPort: '80/tcp', hostIp: '127.0.0.1', hostPort: '8080' }],
    mounts: [{ type: 'bind', source: '/pool/web-data', destination: '/data', readOnly: false }],
    restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 },
    networks: ['bridge'],
  };
}

export function newSnapshot(overrides: Partial<NewSnapshot> = {}): NewSnapshot {
  return {
    containerId: CONTAINER_ID,
    containerName: 'web',
    projectId: 'default',
    alias: null,
    createdAt: new Date('2026-03-04T05:06:07.250Z'),
    expiresAt: null,
    tags: [],
    origin: 'api',
    config: sampleConfig(),
    filesystems: [
      { role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset: '/pool/btrfs/subvolumes/abc' },
      { role: 'mount', mountPoint: '/data', driver: 'zfs', pool: 'tank', dataset: 'tank/web-data' },
    ],
    uncaptured: [{ role: 'mount', mountPoint: '/tmp/x', source: '/tmp/x', reason: 'not on a configured pool' }],
    ...overrides,
  };
}

/** Records the container (snapshots need it) and returns the store for chaining. */
export function withContainer(test: TestStore, id = CONTAINER_ID, name = '/web'): CowsnapStore {
  test.store.upsertContainer({ id, name, image: 'cowsnap-test/busybox:latest' }, test.clock.now());
  return test.store;
}
