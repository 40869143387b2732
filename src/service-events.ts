/**
 * Composition of the events feature (design.md §10), kept out of service.ts: the event bus over the
 * SQLite log, the evented operation store every tracked operation goes through, the wrappers that make
 * snapshot changes, copies, expiry and schedule runs tracked operations, and the SSE route.
 */
import type { Logger } from 'pino';
import type { CowsnapConfig } from './config/config.js';
import type { Clock } from './core/clock.js';
import { daysBefore } from './core/day-offsets.js';
import type { ContainerResolver } from './core/container-resolver.js';
import type { CopyInput, CopyResult } from './core/copy-service.js';
import { EventBus } from './core/events/event-bus.js';
import { eventedOperations } from './core/events/evented-operations.js';
import { OperationTracker } from './core/events/operation-tracker.js';
import { commitsWithoutFsync } from './store/commits-without-fsync.js';
import { trackedCopies, trackedExpiry, trackedScheduleRuns, type CopyOperations } from './core/events/tracked-jobs.js';
import { trackedSnapshots } from './core/events/tracked-snapshots.js';
import type { SnapshotsApi } from './core/api-types.js';
import type { OperationStorePort } from './core/operations.js';
import type { StorePort } from './core/ports.js';
import type { SnapshotCreator } from './core/snapshot-creator.js';
import type { SnapshotDeleter } from './core/snapshot-deleter.js';
import { SSE_DEFAULTS, SseHub, type SseHubOptions } from './http/events/sse-hub.js';
import type { RouteDefinition } from './http/route-definition.js';
import { eventRoutes } from './http/routes/event-routes.js';
import type { Database } from './store/database.js';
import { EventStore } from './store/event-store.js';
import type { OperationStore } from './store/operation-store.js';
import type { SecretBox } from './store/secret-box.js';
import { WebhookStore } from './store/webhook-store.js';
import { DeliveryWorker, type DeliveryPolicy } from './core/webhooks/delivery-worker.js';
import { WebhookService } from './core/webhooks/webhook-service.js';
import { webhookRoutes } from './http/routes/webhook-routes.js';
import { HttpWebhookSender } from './webhooks/webhook-sender.js';

export const DEFAULT_EVENT_RETENTION_DAYS = 7;

export interface EventsOptions {
  readonly sse?: Partial<SseHubOptions>;
  /** Webhook retry timing and polling (tests shorten them); attempts, timeout and hosts come from config. */
  readonly webhookDelivery?: Partial<Pick<DeliveryPolicy, 'baseBackoffMs' | 'maxBackoffMs' | 'pollMs' | 'concurrency'>>;
}

const WEBHOOK_DEFAULTS = { timeoutSeconds: 10, maxAttempts: 12, baseBackoffMs: 30_000, maxBackoffMs: 6 * 60 * 60 * 1000, pollMs: 1_000, concurrency: 4 };

export interface EventsWiring {
  readonly bus: EventBus;
  /** The operation store every service writes through: its state changes are the events. */
  readonly operations: OperationStorePort;
  readonly tracker: OperationTracker;
  readonly routes: RouteDefinition[];
  snapshots(api: SnapshotsApi): SnapshotsApi;
  copies(copy: (containerRef: string, input: CopyInput) => Promise<CopyResult>): CopyOperations;
  expiry(deleter: Pick<SnapshotDeleter, 'delete'>): Pick<SnapshotDeleter, 'delete'>;
  scheduleRuns(creator: Pick<SnapshotCreator, 'create'>): Pick<SnapshotCreator, 'create'>;
  /** Events and finished operations older than the retention go (run with the reaper). */
  prune(): void;
  /** Starts sending webhook deliveries (once recovery is done and the API is open). */
  startDeliveries(): void;
  /** Ends event streams, waits for background operations and deliveries in flight. */
  close(): Promise<void>;
}

export function wireEvents(deps: {
  db: Database;
  secrets: SecretBox;
  operations: OperationStore;
  clock: Clock;
  logger: Logger;
  resolver: ContainerResolver;
  store: Pick<StorePort, 'resolveSnapshot' | 'getContainer'>;
  config: CowsnapConfig;
  options: EventsOptions | undefined;
  version: string;
}): EventsWiring {
  const { clock, logger, resolver, store } = deps;
  const bus = new EventBus(new EventStore(deps.db), clock, (error, event) => {
    logger.error({ err: error, event: `${event.kind}.${event.phase}`, operation: event.operationId }, 'event not recorded');
  });
  // An event belongs to its container's project (design.md §9): a project's keys see only those.
  const projectOf = (containerId: string | null): string => (containerId === null ? 'default' : (store.getContainer(containerId)?.projectId ?? 'default'));
  const operations = eventedOperations(deps.operations, bus, projectOf);
  const tracker = new OperationTracker(operations, logger, commitsWithoutFsync(deps.db));
  const hub = new SseHub(bus, { ...SSE_DEFAULTS, ...deps.options?.sse });
  const allowedHosts = deps.config.webhooks?.allowedHosts ?? [];
  const webhookStore = new WebhookStore(deps.db, deps.secrets);
  const worker = new DeliveryWorker(
    { store: webhookStore, sender: new HttpWebhookSender((deps.config.webhooks?.timeoutSeconds ?? WEBHOOK_DEFAULTS.timeoutSeconds) * 1000, `cowsnap-webhooks/${deps.version}`), clock, logger },
    {
      maxAttempts: deps.config.webhooks?.maxAttempts ?? WEBHOOK_DEFAULTS.maxAttempts,
      baseBackoffMs: WEBHOOK_DEFAULTS.baseBackoffMs,
      maxBackoffMs: WEBHOOK_DEFAULTS.maxBackoffMs,
      pollMs: WEBHOOK_DEFAULTS.pollMs,
      concurrency: WEBHOOK_DEFAULTS.concurrency,
      allowedHosts,
      ...deps.options?.webhookDelivery,
    },
  );
  const webhooks = new WebhookService({ store: webhookStore, clock, allowedHosts, wake: () => { worker.wake(); } });
  bus.addWriter(webhooks.outboxWriter);
  // After the commit, so the worker finds the new deliveries.
  bus.follow(undefined, () => { worker.wake(); }, 0);
  const retentionDays = deps.config.eventRetentionDays ?? DEFAULT_EVENT_RETENTION_DAYS;
  const containerIdOf = async (ref: string): Promise<string> => (await resolver.resolve(ref)).record.id;
  return {
    bus,
    operations,
    tracker,
    routes: [...eventRoutes({ hub, containerIdOf }), ...webhookRoutes(webhooks)],
    startDeliveries: () => {
      worker.start();
    },
    snapshots: (api) => trackedSnapshots(api, { tracker, resolver, store }),
    copies: (copy) => trackedCopies(copy, { tracker, resolver, store }),
    expiry: (deleter) => trackedExpiry(deleter, tracker),
    scheduleRuns: (creator) => trackedScheduleRuns(creator, tracker),
    prune() {
      const before = daysBefore(clock.now(), retentionDays);
      const events = bus.prune(before);
      const finished = deps.operations.pruneFinished(before);
      if (events + finished > 0) logger.info({ events, operations: finished, retentionDays }, 'old events and finished operations pruned');
    },
    async close() {
      hub.closeAll();
      await tracker.drain();
      await worker.stop();
    },
  };
}
