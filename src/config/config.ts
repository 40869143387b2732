/**
 * The validated configuration, parsed once at start-up and passed explicitly (no global singleton).
 * The loader (config file + COWSNAP_* overrides, ajv schema) lives beside this file.
 */
import type { PoolConfig } from '../../storage-drivers/index.js';

// Pool entries are defined by their drivers (storage-drivers/index.ts).
export type { BtrfsPoolConfig, PoolConfig, ZfsPoolConfig } from '../../storage-drivers/index.js';

/** An S3-compatible bucket replicas go to (design.md §8). Secrets live in the two files, never here. */
export interface RemoteConfig {
  readonly id: string;
  /** e.g. "https://s3.eu-central-1.amazonaws.com", "http://127.0.0.1:7480" (RGW), an R2 account URL. */
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  /** Key prefix inside the bucket, no leading/trailing "/"; "" for the bucket root. */
  readonly prefix: string;
  /** JSON file {"accessKeyId": ..., "secretAccessKey": ..., "sessionToken"?: ...}, mode 0600. */
  readonly credentialsFile: string;
  /** Path-style URLs (endpoint/bucket/key): MinIO, RGW; false for virtual-hosted (AWS default). */
  readonly forcePathStyle: boolean;
  /** zstd level, 1 (fast) to 19. */
  readonly compressionLevel: number;
  /** 32 random bytes, mode 0600; the same file on every host sharing the bucket. */
  readonly encryptionKeyFile: string;
  /** Multipart part size; memory per upload is about partSizeMiB × (maxConcurrentUploads + 1). */
  readonly partSizeMiB: number;
  readonly maxConcurrentUploads: number;
}

export type ListenConfig = { readonly host: string; readonly port: number } | { readonly socket: string };

export interface CowsnapConfig {
  readonly listen: ListenConfig;
  /** Where cowsnap keeps its state (database, key, token, embedded pool) by default. */
  readonly stateDir: string;
  readonly databasePath: string;
  /** 32-byte AES-256-GCM key for environment values at rest; created on first start. */
  readonly keyFile: string;
  /** Token file; created with a random token on first start when `token` is not set. */
  readonly tokenFile: string;
  readonly token?: string;
  readonly dockerSocket: string;
  readonly pools: readonly PoolConfig[];
  readonly remotes: readonly RemoteConfig[];
  /** node-cron expression for the expiry reaper. */
  readonly reaperSchedule: string;
  /** Seconds Docker waits before killing a container it stops. */
  readonly stopTimeoutSeconds: number;
  /**
   * Finished journal rows, and snapshots whose creation failed, are removed after this many days. The
   * loader always sets it; optional so hand-built configurations (tests, embedded) get the default.
   */
  readonly journalRetentionDays?: number;
  /** Days the event log (SSE replay) and finished operations are kept; default 7. */
  readonly eventRetentionDays?: number;
  /** Changed paths one file-level diff may list; more is refused (409 diff_too_large). Default 100,000. */
  readonly diffMaxChanges?: number;
  /** Webhook delivery settings; all optional. */
  readonly webhooks?: WebhookConfig;
  /** Mutating requests per key (design.md §9): sustained per minute and burst; perMinute 0 = no limit. */
  readonly rateLimit?: { readonly perMinute: number; readonly burst: number };
  /** Audit entries older than this many days are pruned (default 90). */
  readonly auditRetentionDays?: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export interface WebhookConfig {
  /** Hosts webhook URLs may point at (exact names, or `*.example.com`); empty or absent: any host. */
  readonly allowedHosts?: readonly string[];
  /** One delivery attempt's time limit; default 10. */
  readonly timeoutSeconds?: number;
  /** Attempts before a delivery is given up as failed; default 12 (retries spread over about 15 hours). */
  readonly maxAttempts?: number;
}
