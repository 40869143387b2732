/**
 * What core needs from an off-host remote (design.md §8), as a port: the S3 adapter in src/remote/
 * implements it, unit tests hand core a fake. The seam is shared with the replica service
 * (/work/helpers/REPLICA-CONTRACT.md §2): keep changes additive.
 */
import type { Readable } from 'node:stream';
import type { ReplicaManifest } from '../remote/manifest.js';

export type { ReplicaManifest } from '../remote/manifest.js';

export interface StreamUploadResult {
  readonly key: string;
  readonly plainBytes: number;
  readonly storedBytes: number;
  /** sha256 (hex) of the plain stream. */
  readonly sha256: string;
}

export interface StreamVerification {
  readonly ok: boolean;
  readonly plainBytes: number;
  /** Set when ok is false: what is wrong (missing object, tag mismatch in chunk N, truncation, digest). */
  readonly problem?: string;
}

/** A manifest object that exists but cannot be trusted (unreadable JSON, schema, sealed values). */
export interface InvalidManifest {
  readonly key: string;
  /** The container id its key names: a project's key sees only its own containers' entries, bad or good. */
  readonly containerId: string;
  readonly problem: string;
}

export interface ListManifestsQuery {
  readonly containerId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface ManifestPage {
  readonly manifests: ReplicaManifest[];
  /** Manifests on this page that were found but failed validation: reported, never trusted. */
  readonly invalid?: InvalidManifest[];
  readonly nextCursor?: string;
}

export interface RemotePort {
  readonly id: string;
  /** zstd-compress, encrypt in authenticated chunks and multipart-upload `plain`; bounded memory. */
  uploadStream(
    key: string,
    plain: Readable,
    options?: { onProgress?: (plainBytes: number) => void; signal?: AbortSignal },
  ): Promise<StreamUploadResult>;
  /**
   * Download, check every chunk's tag, decrypt, decompress; the Readable errors (never ends cleanly)
   * when a tag, the chunk order/count or the final sha256 (expectedSha256) is wrong.
   */
  downloadStream(key: string, expectedSha256: string, options?: { signal?: AbortSignal }): Readable;
  /** Re-read one stream fully and check tags + digest; never throws for bad data, says what is wrong. */
  verifyStream(key: string, expectedSha256: string): Promise<StreamVerification>;
  /**
   * Writes the manifest LAST: the commit point. `config.env` is given in plaintext; the adapter seals
   * every value with the remote's key before upload, and getManifest/listManifests open them again.
   */
  putManifest(manifest: ReplicaManifest): Promise<void>;
  getManifest(containerId: string, snapshotName: string): Promise<ReplicaManifest | undefined>;
  /** Per-container prefixes keep listing bounded; containerId omitted = every container (paged). */
  listManifests(query: ListManifestsQuery): Promise<ManifestPage>;
  /** Deletes the manifest first (the replica stops existing), then its streams. */
  deleteReplica(containerId: string, snapshotName: string): Promise<void>;
  /** Aborts multipart uploads under this container/snapshot's prefix (crash leftovers); returns how many. */
  abortIncompleteUploads(containerId: string, snapshotName?: string): Promise<number>;
}
