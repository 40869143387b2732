/**
 * The RemotePort on an S3-compatible bucket (design.md §8): encrypted, compressed streams and
 * manifests under `<prefix>/containers/<container-id>/<snapshot-name>/`.
 */
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RemoteConfig } from '../config/config.js';
import type { InvalidManifest, ListManifestsQuery, ManifestPage, RemotePort, StreamUploadResult, StreamVerification } from '../core/remote-port.js';
import type { ReplicaManifest } from './manifest.js';
import { decodeManifest, encodeManifest } from './manifest-codec.js';
import { listManifestKeys } from './manifest-listing.js';
import { abortUploadsUnder } from './multipart-cleanup.js';
import { absoluteKey, containerPrefix, manifestKey, replicaPrefix } from './object-keys.js';
import { RemoteDataError } from './remote-data-error.js';
import { readRemoteKey } from './remote-key.js';
import { createS3Client } from './s3-client-factory.js';
import { downloadDecryptedStream } from './stream-download.js';
import { uploadEncryptedStream } from './stream-upload.js';

const MiB = 1024 * 1024;
/** Manifests fetched at once while listing. */
const MANIFEST_FETCHES = 8;
const SAFE_RELATIVE_KEY = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_.\-/]+$/;

export class S3Remote implements RemotePort {
  readonly id: string;
  private readonly master: Buffer;

  constructor(
    private readonly config: RemoteConfig,
    private readonly client: S3Client = createS3Client(config),
  ) {
    this.id = config.id;
    this.master = readRemoteKey(config.encryptionKeyFile);
  }

  async uploadStream(key: string, plain: Readable, options: { onProgress?: (plainBytes: number) => void; signal?: AbortSignal } = {}): Promise<StreamUploadResult> {
    const uploaded = await uploadEncryptedStream(
      {
        client: this.client,
        bucket: this.config.bucket,
        key: this.absolute(key),
        master: this.master,
        compressionLevel: this.config.compressionLevel,
        partSizeBytes: this.config.partSizeMiB * MiB,
        queueSize: this.config.maxConcurrentUploads,
      },
      plain,
      options,
    );
    return { key, ...uploaded };
  }

  downloadStream(key: string, expectedSha256: string, options: { signal?: AbortSignal } = {}): Readable {
    return downloadDecryptedStream(
      { client: this.client, bucket: this.config.bucket, key: this.absolute(key), master: this.master, where: this.where(key) },
      expectedSha256,
      options,
    );
  }

  async verifyStream(key: string, expectedSha256: string): Promise<StreamVerification> {
    let plainBytes = 0;
    const sink = new Writable({
      write(data: Buffer, _encoding, callback) {
        plainBytes += data.length;
        callback();
      },
    });
    try {
      await pipeline(this.downloadStream(key, expectedSha256), sink);
      return { ok: true, plainBytes };
    } catch (error) {
      return { ok: false, plainBytes, problem: (error as Error).message };
    }
  }

  async putManifest(manifest: ReplicaManifest): Promise<void> {
    const key = manifestKey(manifest.containerId, manifest.snapshotName);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.config.bucket, Key: this.absolute(key), Body: encodeManifest(manifest, this.master), ContentType: 'application/json' }),
    );
  }

  async getManifest(containerId: string, snapshotName: string): Promise<ReplicaManifest | undefined> {
    const key = manifestKey(containerId, snapshotName);
    const text = await this.readText(key);
    return text === undefined ? undefined : decodeManifest(text, this.master, this.where(key), { containerId, snapshotName });
  }

  async listManifests(query: ListManifestsQuery): Promise<ManifestPage> {
    const within = query.containerId !== undefined ? containerPrefix(query.containerId) : 'containers/';
    const scope = { client: this.client, bucket: this.config.bucket, prefix: this.config.prefix };
    const page = await listManifestKeys(scope, within, Math.max(1, query.limit), query.cursor);
    const manifests: ReplicaManifest[] = [];
    const invalid: InvalidManifest[] = [];
    for (let start = 0; start < page.keys.length; start += MANIFEST_FETCHES) {
      const batch = page.keys.slice(start, start + MANIFEST_FETCHES);
      const results = await Promise.all(batch.map((key) => this.readManifestAt(key)));
      for (const result of results) {
        if (result === undefined) continue;
        if ('problem' in result) invalid.push(result);
        else manifests.push(result);
      }
    }
    return { manifests, ...(invalid.length > 0 ? { invalid } : {}), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
  }

  async deleteReplica(containerId: string, snapshotName: string): Promise<void> {
    // The manifest first: from here on the replica no longer exists for anyone listing the bucket.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.absolute(manifestKey(containerId, snapshotName)) }));
    const prefix = this.absolute(replicaPrefix(containerId, snapshotName));
    let continuation: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix, ...(continuation !== undefined ? { ContinuationToken: continuation } : {}) }),
      );
      // One DeleteObject per stream (a replica has a few): DeleteObjects needs Content-MD5, which not
      // every S3 implementation gets from the SDK's newer checksums.
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: object.Key }));
      }
      continuation = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (continuation !== undefined);
    await abortUploadsUnder(this.client, this.config.bucket, prefix);
  }

  abortIncompleteUploads(containerId: string, snapshotName?: string): Promise<number> {
    const prefix = snapshotName === undefined ? containerPrefix(containerId) : replicaPrefix(containerId, snapshotName);
    return abortUploadsUnder(this.client, this.config.bucket, this.absolute(prefix));
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }

  private async readManifestAt(key: string): Promise<ReplicaManifest | InvalidManifest | undefined> {
    const text = await this.readText(key);
    if (text === undefined) return undefined; // deleted between listing and reading
    // The key says which replica this must be: a manifest copied elsewhere is reported, not listed twice.
    const [, containerId = '', snapshotName = ''] = key.split('/');
    try {
      return decodeManifest(text, this.master, this.where(key), { containerId, snapshotName });
    } catch (error) {
      if (error instanceof RemoteDataError) return { key, containerId, problem: error.message };
      throw error;
    }
  }

  private async readText(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.absolute(key) }));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  private absolute(key: string): string {
    if (!SAFE_RELATIVE_KEY.test(key)) throw new Error(`Invalid object key ${JSON.stringify(key)}`);
    return absoluteKey(this.config.prefix, key);
  }

  private where(key: string): string {
    return `remote "${this.id}" object ${key}`;
  }
}
