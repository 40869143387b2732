/**
 * Small in-memory stand-ins for the core services, allowed here because these are unit tests of the HTTP
 * layer (the real services are proven end to end in test/e2e). They record every call, so a test can
 * assert that bad input never reached the service, and can be told to throw.
 */
import type {
  ContainerSummary,
  ContainersApi,
  CreateSnapshotInput,
  ListSnapshotsQuery,
  RestoreInput,
  RestoreResult,
  SnapshotListResult,
  SnapshotResult,
  SnapshotsApi,
  UpdateSnapshotInput,
} from '../../../src/core/api-types.js';
import type { ContainerRecord, SnapshotRecord } from '../../../src/core/model.js';

export const CONTAINER: ContainerRecord = {
  id: 'a'.repeat(64),
  name: 'web',
  image: 'cowsnap-test/busybox:latest',
  firstSeenAt: new Date('2026-01-01T00:00:00Z'),
  lastSeenAt: new Date('2026-01-02T00:00:00Z'),
  projectId: 'default',
  removedAt: null,
};

export function snapshotRecord(overrides: Partial<SnapshotRecord> = {}): SnapshotRecord {
  return {
    id: 1,
    containerId: CONTAINER.id,
    containerName: 'web',
    projectId: 'default',
    name: 'snap-20260102-030405',
    alias: 'before-deploy',
    createdAt: new Date('2026-01-02T03:04:05Z'),
    expiresAt: new Date('2026-02-01T03:04:05Z'),
    lastUsedAt: null,
    state: 'ready',
    sizeBytes: 4096,
    tags: ['nightly'],
    filesystems: [{ role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset: 'snapshots/x/rootfs' }],
    uncaptured: [{ role: 'mount', mountPoint: '/tmpdata', source: '/tmp/data', reason: 'not on a configured pool' }],
    config: {
      image: 'cowsnap-test/busybox:latest',
      imageId: 'sha256:1',
      cmd: ['sleep', '1000'],
      entrypoint: null,
      env: ['SECRET=1'],
      labels: {},
      workingDir: '/',
      user: '',
      hostname: 'web',
      ports: [],
      mounts: [],
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      networks: [],
    },
    origin: 'api',
    error: null,
    ...overrides,
  };
}

export const CONTAINER_SUMMARY: ContainerSummary = {
  id: CONTAINER.id,
  name: 'web',
  image: 'cowsnap-test/busybox:latest',
  projectId: 'default',
  state: 'running',
  snapshotCount: 2,
  newestSnapshotAt: new Date('2026-01-02T03:04:05Z'),
  schedules: { active: 1, paused: 1, nextRunAt: new Date('2026-01-03T03:00:00Z') },
  capture: [
    {
      role: 'rootfs',
      mountPoint: '/',
      source: null,
      captured: true,
      reason: null,
      filesystem: { role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset: 'btrfs/subvolumes/abc' },
    },
    { role: 'mount', mountPoint: '/cache', source: '/var/cache/x', captured: false, reason: 'not on a configured pool', filesystem: null },
  ],
};

export interface Call {
  readonly method: string;
  readonly args: unknown[];
}

export class FakeServices {
  readonly calls: Call[] = [];
  /** When set, every service method throws it. */
  failWith: Error | null = null;

  private record(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failWith !== null) throw this.failWith;
  }

  readonly snapshots: SnapshotsApi = {
    create: (ref: string, input: CreateSnapshotInput): Promise<SnapshotResult> => {
      this.record('create', [ref, input]);
      return Promise.resolve({ container: CONTAINER, snapshot: snapshotRecord({ alias: input.alias ?? null, tags: input.tags ?? [] }) });
    },
    list: (ref: string, query: ListSnapshotsQuery): Promise<SnapshotListResult> => {
      this.record('list', [ref, query]);
      return Promise.resolve({ container: CONTAINER, snapshots: [snapshotRecord(), snapshotRecord({ name: 'snap-20260101-000000', alias: null })], total: 7 });
    },
    get: (ref: string, snapshot: string): Promise<SnapshotResult> => {
      this.record('get', [ref, snapshot]);
      return Promise.resolve({ container: CONTAINER, snapshot: snapshotRecord() });
    },
    restore: (ref: string, snapshot: string, input: RestoreInput): Promise<RestoreResult> => {
      this.record('restore', [ref, snapshot, input]);
      return Promise.resolve({
        container: CONTAINER,
        snapshot: snapshotRecord({ lastUsedAt: new Date('2026-01-03T00:00:00Z') }),
        safetySnapshot: input.safetySnapshot === true ? snapshotRecord({ name: 'snap-20260103-000000', alias: null, origin: 'safety' }) : null,
        wasRunning: true,
        stoppedSharingContainers: input.stopSharingContainers === true ? ['worker'] : [],
        durations: { totalMs: 1234.4, stopMs: 1000.2, swapMs: 30.7, startMs: 203.5 },
      });
    },
    update: (ref: string, snapshot: string, input: UpdateSnapshotInput): Promise<SnapshotResult> => {
      this.record('update', [ref, snapshot, input]);
      return Promise.resolve({ container: CONTAINER, snapshot: snapshotRecord({ alias: input.alias === undefined ? 'before-deploy' : input.alias }) });
    },
    delete: (ref: string, snapshot: string): Promise<SnapshotResult> => {
      this.record('delete', [ref, snapshot]);
      return Promise.resolve({ container: CONTAINER, snapshot: snapshotRecord() });
    },
  };

  readonly containers: ContainersApi = {
    list: (): Promise<ContainerSummary[]> => {
      this.record('containers.list', []);
      return Promise.resolve([CONTAINER_SUMMARY]);
    },
    get: (ref: string): Promise<ContainerSummary> => {
      this.record('containers.get', [ref]);
      return Promise.resolve(CONTAINER_SUMMARY);
    },
  };
}
