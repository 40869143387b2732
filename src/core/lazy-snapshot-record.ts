import type { CapturedFilesystem, RecordedContainerConfig, SnapshotOrigin, SnapshotRecord, SnapshotState, UncapturedFilesystem } from './model.js';
import type { ReplicaRecord } from './replica.js';

/** Every field of a snapshot record but the lazily loaded `config`. */
export type SnapshotFields = Omit<SnapshotRecord, 'config'>;

/**
 * A snapshot record whose sealed `config` is fetched and decrypted only when first read (restore, copy):
 * lists and GETs never pay for it, and a record whose row is gone can still be copied and shown.
 *
 * A class, not an object literal with a getter: V8 gives each literal with an accessor a hidden class of
 * its own, which made building the 50 records of a list page cost ~90–130 µs, and copying them to attach
 * replicas as much again; instances of one class share one shape (~5 µs for 50). The getter is on the
 * prototype, so a spread (`{ ...record }`) has no `config`: copy records with snapshotWith (snapshot-with.ts).
 * The loader and the loaded value are private fields: not enumerable, not logged, not compared by deepEqual.
 *
 * The fields below repeat SnapshotRecord's on purpose: TypeScript assigns a readonly field in a constructor
 * only when the class declares it, and the alternatives cost what the class is for (Object.assign makes the
 * shape follow each caller's key order; merging an interface into the class is unchecked). `implements`
 * makes any drift between the two a compile error, and the constructor assigns them in one fixed order.
 */
export class LazySnapshotRecord implements SnapshotRecord {
  readonly id: number;
  readonly containerId: string;
  readonly containerName: string;
  readonly projectId: string;
  readonly name: string;
  readonly alias: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly state: SnapshotState;
  readonly sizeBytes: number | null;
  readonly tags: string[];
  readonly filesystems: CapturedFilesystem[];
  readonly uncaptured: UncapturedFilesystem[];
  readonly origin: SnapshotOrigin;
  readonly error: string | null;
  // Declared, not initialised: a record nobody attached replicas to has no `replicas` key at all.
  declare readonly replicas?: readonly ReplicaRecord[];
  readonly #load: () => RecordedContainerConfig;
  #config: RecordedContainerConfig | undefined;

  constructor(fields: SnapshotFields, load: () => RecordedContainerConfig) {
    this.id = fields.id;
    this.containerId = fields.containerId;
    this.containerName = fields.containerName;
    this.projectId = fields.projectId;
    this.name = fields.name;
    this.alias = fields.alias;
    this.createdAt = fields.createdAt;
    this.expiresAt = fields.expiresAt;
    this.lastUsedAt = fields.lastUsedAt;
    this.state = fields.state;
    this.sizeBytes = fields.sizeBytes;
    this.tags = fields.tags;
    this.filesystems = fields.filesystems;
    this.uncaptured = fields.uncaptured;
    this.origin = fields.origin;
    this.error = fields.error;
    if (fields.replicas !== undefined) this.replicas = fields.replicas;
    this.#load = load;
  }

  get config(): RecordedContainerConfig {
    return (this.#config ??= this.#load());
  }
}
