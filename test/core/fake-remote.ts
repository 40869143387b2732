/** An in-memory RemotePort for unit tests: keeps plain bytes, computes real sha256, can block or break. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ListManifestsQuery, ManifestPage, RemotePort, ReplicaManifest, StreamUploadResult, StreamVerification } from '../../src/core/remote-port.js';
import { manifestKey, replicaPrefix } from '../../src/remote/object-keys.js';

export class FakeRemote implements RemotePort {
  readonly objects = new Map<string, Buffer>();
  readonly manifests = new Map<string, ReplicaManifest>();
  /** Multipart uploads started and not completed (a crash leaves them). */
  readonly incomplete = new Set<string>();
  aborted = 0;
  /** While set, uploads wait for it before completing (to hold an upload "in flight"). */
  gate: Promise<void> | undefined;
  /** Called when an upload starts; tests use it to see that one is in flight. */
  onUploadStart: (key: string) => void = () => undefined;
  /** While set, downloads wait for it before their first byte (to hold a download "in flight"). */
  downloadGate: Promise<void> | undefined;
  /** Keys of every download started, in order. */
  readonly downloads: string[] = [];

  constructor(readonly id: string) {}

  async uploadStream(key: string, plain: Readable, options?: { onProgress?: (plainBytes: number) => void; signal?: AbortSignal }): Promise<StreamUploadResult> {
    this.incomplete.add(key);
    // Taken now: a test that lifts the gate later must not release uploads that started before.
    const gate = this.gate;
    this.onUploadStart(key);
    if (gate !== undefined) await gate;
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of plain) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      chunks.push(buffer);
      bytes += buffer.length;
      options?.onProgress?.(bytes);
    }
    options?.signal?.throwIfAborted();
    const data = Buffer.concat(chunks);
    this.objects.set(key, data);
    this.incomplete.delete(key);
    return { key, plainBytes: data.length, storedBytes: Math.ceil(data.length / 2) + 32, sha256: sha256(data) };
  }

  /** The stored bytes; errors (like the real adapter) when the object is missing or its sha256 is wrong. */
  downloadStream(key: string, expectedSha256: string): Readable {
    this.downloads.push(key);
    const gate = this.downloadGate;
    const objects = this.objects;
    return Readable.from(
      (async function* () {
        if (gate !== undefined) await gate;
        const data = objects.get(key);
        if (data === undefined) throw new Error(`no object ${key}`);
        if (sha256(data) !== expectedSha256) throw new Error(`sha256 mismatch in ${key}`);
        yield data;
      })(),
    );
  }

  verifyStream(key: string, expectedSha256: string): Promise<StreamVerification> {
    const data = this.objects.get(key);
    if (data === undefined) return Promise.resolve({ ok: false, plainBytes: 0, problem: 'object missing' });
    const ok = sha256(data) === expectedSha256;
    return Promise.resolve({ ok, plainBytes: data.length, ...(ok ? {} : { problem: 'tag mismatch in chunk 0' }) });
  }

  putManifest(manifest: ReplicaManifest): Promise<void> {
    this.manifests.set(manifestKey(manifest.containerId, manifest.snapshotName), structuredClone(manifest));
    return Promise.resolve();
  }

  getManifest(containerId: string, snapshotName: string): Promise<ReplicaManifest | undefined> {
    return Promise.resolve(this.manifests.get(manifestKey(containerId, snapshotName)));
  }

  listManifests(query: ListManifestsQuery): Promise<ManifestPage> {
    const all = [...this.manifests.entries()]
      .filter(([key]) => query.containerId === undefined || key.startsWith(`containers/${query.containerId}/`))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, manifest]) => manifest);
    const start = query.cursor === undefined ? 0 : Number(query.cursor);
    const page = all.slice(start, start + query.limit);
    const next = start + query.limit < all.length ? String(start + query.limit) : undefined;
    return Promise.resolve({ manifests: page, ...(next !== undefined && { nextCursor: next }) });
  }

  deleteReplica(containerId: string, snapshotName: string): Promise<void> {
    const prefix = replicaPrefix(containerId, snapshotName);
    this.manifests.delete(manifestKey(containerId, snapshotName));
    for (const key of [...this.objects.keys()]) if (key.startsWith(prefix)) this.objects.delete(key);
    return Promise.resolve();
  }

  abortIncompleteUploads(containerId: string, snapshotName?: string): Promise<number> {
    const prefix = snapshotName === undefined ? `containers/${containerId}/` : replicaPrefix(containerId, snapshotName);
    let n = 0;
    for (const key of [...this.incomplete]) {
      if (key.startsWith(prefix)) {
        this.incomplete.delete(key);
        n += 1;
      }
    }
    this.aborted += n;
    return Promise.resolve(n);
  }

  /** Flips one byte of a stored object, as a damaged bucket would. */
  corrupt(key: string): void {
    const data = this.objects.get(key);
    if (data === undefined) throw new Error(`no object ${key}`);
    const at = Math.floor(data.length / 2);
    data.writeUInt8(data.readUInt8(at) ^ 0xff, at);
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
