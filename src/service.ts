/**
 * Composition root: builds every layer from the validated configuration and starts listening.
 * Nothing here holds rules; it only wires the store, the drivers, the runtime, the services and HTTP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod } from 'node:fs/promises';
import Dockerode from './runtime/dockerode.js';
import type { Logger } from 'pino';
import { ExecFileRunner, type CommandRunner } from '../storage-drivers/common/command-runner.js';
import type { CrashCheckpoint } from '../storage-drivers/common/crash-checkpoint.js';
import { createDriver, poolMountPath } from '../storage-drivers/index.js';
import type { CowsnapConfig } from './config/config.js';
import { DEFAULTS } from './config/config-defaults.js';
import { loadOrCreateToken } from './config/token-file.js';
import { systemClock, type Clock } from './core/clock.js';
import { daysBefore } from './core/day-offsets.js';
import { ContainerLocks } from './core/container-lock.js';
import { ContainerResolver } from './core/container-resolver.js';
import { DatasetLocks } from './core/dataset-locks.js';
import { ContainerService } from './core/container-service.js';
import { BackgroundJob } from './core/background-job.js';
import { Reaper, type ReaperOptions, type ReapReport } from './core/reaper.js';
import { ScheduleService } from './core/schedule-service.js';
import { Scheduler, type ScheduleRunReport } from './core/schedule-runner.js';
import { PoolRegistry, type RegisteredPool } from './core/pool-registry.js';
import { RestoreService } from './core/restore-service.js';
import { ContainerRestarter } from './core/container-restarter.js';
import { OwedStartsStore } from './store/owed-starts-store.js';
import { SnapshotCreator } from './core/snapshot-creator.js';
import { SnapshotDeleter } from './core/snapshot-deleter.js';
import { SnapshotSizeRefresh } from './core/snapshot-size-refresh.js';
import { InFlightRequests } from './http/in-flight-requests.js';
import { SnapshotTotals } from './store/snapshot-totals.js';
import { commitsWithoutFsync } from './store/commits-without-fsync.js';
import { SnapshotService } from './core/snapshot-service.js';
import { recoverAtStartup, type StartupReport } from './core/startup-recovery.js';
import { checkHealth } from './core/health-check.js';
import { cachedCheck } from './core/health-cache.js';
import { instrumentSnapshots } from './core/instrumented-snapshots.js';
import { ServiceMetrics } from './core/service-metrics.js';
import { createApp } from './http/app.js';
import { removeStaleSocket } from './http/stale-socket.js';
import { copyRoutes } from './http/routes/copy-routes.js';
import { copyDatasetRoutes } from './http/routes/copy-dataset-routes.js';
import { listCopyDatasets, reclaimCopyDataset } from './core/copy-datasets.js';
import { CopyService } from './core/copy-service.js';
import { scheduleRoutes } from './http/routes/schedule-routes.js';
import { CaptureResolver } from './runtime/capture-resolver.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { openStore, type OpenedStore } from './store/open-store.js';
import { ReaperQueries } from './store/reaper-queries.js';
import { ScheduleStore } from './store/schedule-store.js';
import type { RemotePort } from './core/remote-port.js';
import { RemoteRegistry } from './core/remote-registry.js';
import { RemoteCatalog } from './core/remote-catalog.js';
import { ReplicaMetrics } from './core/replica-metrics.js';
import { ReplicaService } from './core/replica-service.js';
import { SnapshotPins } from './core/snapshot-pins.js';
import { withReplicas } from './core/snapshots-with-replicas.js';
import { listCachePagesFrom, withListCache } from './core/snapshot-list-cache.js';
import { dataGeneration } from './store/data-generation.js';
import { operationRoutes } from './http/routes/operation-routes.js';
import { remoteRoutes } from './http/routes/remote-routes.js';
import { remoteRestoreRoutes } from './http/routes/remote-restore-routes.js';
import { BackgroundOperations } from './core/background-operations.js';
import { RemoteCopyService } from './core/remote-copy-service.js';
import { RemoteRestoreService } from './core/remote-restore-service.js';
import { ReplicaDownloader } from './core/replica-download.js';
import { ReplicaDownloadMetrics } from './core/replica-download-metrics.js';
import { replicaRoutes } from './http/routes/replica-routes.js';
import { OperationStore } from './store/operation-store.js';
import { ReplicaStore } from './store/replica-store.js';
import { s3RemotesFor } from './s3-remotes-on-demand.js';
import { diffRoutes } from './http/routes/diff-routes.js';
import { SnapshotDiffService } from './core/snapshot-diff.js';
import { wireEvents, type EventsOptions } from './service-events.js';
import { wireAccess } from './access-wiring.js';
import { RemoteReaper, withoutReaping, type RemoteReapReport } from './core/remote-reaper.js';
import { ReplicationMetrics } from './core/replication-metrics.js';
import { ScheduleReplication } from './core/schedule-replication-runner.js';
import { ReplicationQueries } from './store/replication-queries.js';
import { ReplicaListing } from './core/replica-listing.js';
import { replicaListRoutes } from './http/routes/replica-list-routes.js';

/** How long shutdown waits for running requests (restores, copies) to finish. */
const SHUTDOWN_GRACE_MS = 60_000;
/** After the grace period cut the sockets: how long handlers still get to finish their current step. */
const HANDLER_SETTLE_MS = 10_000;

export interface ServiceOptions {
  readonly clock?: Clock;
  readonly runner?: CommandRunner;
  /** How long a second operation on a busy container waits before 409 (ms). */
  readonly lockWaitMs?: number;
  /** Reaper tuning (concurrency, retry backoff); tests shorten the backoff. */
  readonly reaper?: ReaperOptions;
  /** Remotes to use instead of those built from config `remotes` (tests hand in fakes or a prepared adapter). */
  readonly remotes?: readonly RemotePort[];
  /** Event stream and webhook delivery tuning (tests shorten heartbeats and retry backoff). */
  readonly events?: EventsOptions;
  /** Replica uploads running at once across all remotes (default 2); the rest wait as `queued`. */
  readonly maxConcurrentUploads?: number;
  /** Crash tests' hook between the steps of restores and snapshots (see crash-checkpoint.ts). */
  readonly crashCheckpoint?: CrashCheckpoint;
}

const COWSNAP_VERSION = '0.1.0';

export interface RunningService {
  /** Base URL, e.g. http://127.0.0.1:7878 or unix:/run/cowsnap.sock */
  readonly url: string;
  readonly token: string;
  readonly startup: StartupReport;
  /** One reaper pass now (after any pass in progress); also runs on config `reaperSchedule`. */
  readonly reaper: { run(): Promise<ReapReport> };
  /** Runs the schedules that are due now (after any run in progress); also runs every minute. */
  readonly scheduler: { runDue(): Promise<ScheduleRunReport[]> };
  /** One remote reaper pass now (after any pass in progress); also runs on config `reaperSchedule`. */
  readonly remoteReaper: { run(): Promise<RemoteReapReport> };
  /** Resolves when no replica upload is running or queued (tests driving a manual clock). */
  readonly replicaUploads: { idle(): Promise<void> };
  close(): Promise<void>;
}

export async function startService(config: CowsnapConfig, logger: Logger, options: ServiceOptions = {}): Promise<RunningService> {
  const clock = options.clock ?? systemClock;
  const runner = options.runner ?? new ExecFileRunner();

  const opened = openStore({ databasePath: config.databasePath, keyFile: config.keyFile, clock });
  try {
    return await wire(
      config,
      logger,
      {
        clock,
        runner,
        lockWaitMs: options.lockWaitMs,
        reaper: options.reaper ?? {},
        remotes: options.remotes,
        maxConcurrentUploads: options.maxConcurrentUploads ?? 2,
        events: options.events,
        crashCheckpoint: options.crashCheckpoint,
      },
      opened,
    );
  } catch (error) {
    opened.close();
    throw error;
  }
}

async function wire(
  config: CowsnapConfig,
  logger: Logger,
  options: {
    clock: Clock;
    runner: CommandRunner;
    lockWaitMs: number | undefined;
    reaper: ReaperOptions;
    remotes: readonly RemotePort[] | undefined;
    maxConcurrentUploads: number;
    events: EventsOptions | undefined;
    crashCheckpoint: CrashCheckpoint | undefined;
  },
  opened: OpenedStore,
): Promise<RunningService> {
  const { clock, runner, crashCheckpoint } = options;
  const { store } = opened;
  const token = config.token ?? (await loadOrCreateToken(config.tokenFile));

  // A pool that fails its probe (not imported yet, disk gone) is unavailable, not fatal: the others work.
  const configured: RegisteredPool[] = config.pools.map((pool) => {
    const path = poolMountPath(pool);
    const warn = (fields: Record<string, unknown>, message: string): void => {
      logger.warn({ pool: pool.id, ...fields }, message);
    };
    return { id: pool.id, driver: createDriver(pool, runner, { crashCheckpoint, warn }), ...(path !== undefined && { path }) };
  });
  const probeStarted = Date.now();
  const registry = await PoolRegistry.probe(configured, (pool, error) => {
    if (error !== undefined) {
      logger.error({ pool: pool.id, err: error }, 'pool unavailable: the service runs without it and probes it again every minute');
      return;
    }
    const info = pool.driver.info();
    logger.info({ pool: pool.id, driver: info.name, version: info.version, capabilities: info.capabilities }, 'pool ready');
  });

  const docker = new Dockerode({ socketPath: config.dockerSocket });
  const runtime = new DockerRuntime(docker, { stopTimeoutSeconds: config.stopTimeoutSeconds });
  const capture = new CaptureResolver(runtime, () => registry.pools, { unavailablePools: () => registry.unavailable });
  const locks = new ContainerLocks(options.lockWaitMs);
  const resolver = new ContainerResolver(runtime, store, clock);
  const datasetLocks = new DatasetLocks(options.lockWaitMs);
  // A container a restore or a quiesce stopped and Docker could not start again (it went away): started once it answers.
  const restarter = new ContainerRestarter({
    owed: new OwedStartsStore(opened.db, clock),
    runtime,
    tryLocked: (id, operation, body) => locks.tryRun(id, operation, body),
    report: (lines) => { logger.info({ lines }, 'owed container starts'); },
  });
  const retentionDays = config.journalRetentionDays ?? DEFAULTS.journalRetentionDays;
  const snapshotTotals = new SnapshotTotals(opened.db);
  const metrics = new ServiceMetrics(() => snapshotTotals.byPoolAndState());
  // Projects, keys, quotas, audit (design.md §9): quota checks wrap the stores below, audit the background jobs.
  const access = wireAccess({
    db: opened.db,
    store,
    resolver,
    bootstrapToken: token,
    clock,
    logger,
    ...(config.rateLimit !== undefined && { rateLimit: config.rateLimit }),
    ...(config.auditRetentionDays !== undefined && { auditRetentionDays: config.auditRetentionDays }),
    metricsRegistry: metrics.registry,
  });
  // Sizes are measured through the creator, which asks for them after each create: `creator` is read
  // only when a measurement runs, after both exist.
  const sizes: SnapshotSizeRefresh = new SnapshotSizeRefresh({
    store,
    sizes: { exclusiveBytes: (filesystems, name) => creator.exclusiveBytes(filesystems, name) },
    clock,
    logger,
    commitsWithoutFsync: commitsWithoutFsync(opened.db),
  });
  const creator: SnapshotCreator = new SnapshotCreator({
    store: access.snapshotQuota(store),
    runtime,
    capture,
    datasetLocks,
    pools: registry,
    clock,
    failedRetentionDays: retentionDays,
    sizes,
    ...(crashCheckpoint !== undefined && { crashCheckpoint }),
    commitsWithoutFsync: commitsWithoutFsync(opened.db),
    restarter,
  });
  const pins = new SnapshotPins();
  const deleter = new SnapshotDeleter(store, registry, (snapshot) => {
    pins.assertDeletable(snapshot);
  });
  const restorer = new RestoreService({ store, runtime, capture, datasetLocks, creator, pools: registry, clock, restarter, ...(crashCheckpoint !== undefined && { crashCheckpoint }) });
  const snapshots = new SnapshotService({ store, resolver, locks, creator, deleter, restorer, clock, sizes });
  const copies = new CopyService({ store, runtime, resolver, locks, datasetLocks, creator, deleter, pools: registry, clock });
  // Built here (not in startService) so a bad key or credentials file stops start-up with the store closed.
  const s3Remotes = options.remotes === undefined ? await s3RemotesFor(config.remotes) : [];
  const remotes = new RemoteRegistry(options.remotes ?? s3Remotes);
  const rawOperations = new OperationStore(opened.db, clock);
  const events = wireEvents({ db: opened.db, secrets: opened.secrets, version: COWSNAP_VERSION, operations: rawOperations, clock, logger, resolver, store, config, options: options.events });
  const operationStore = events.operations;
  const replicaStore = new ReplicaStore(opened.db);
  const replicationQueries = new ReplicationQueries(opened.db);
  const remoteReaper = new RemoteReaper({ queries: replicationQueries, replicas: replicaStore, remotes, clock, logger });
  const replicas = new ReplicaService({
    store,
    // A push never picks a replica the remote reaper is deleting as its incremental parent.
    replicas: withoutReaping(replicaStore, remoteReaper),
    operations: access.replicaQuota(operationStore),
    resolver,
    locks,
    pools: registry,
    capabilities: (poolId) => (registry.isAvailable(poolId) ? registry.driverFor({ pool: poolId }).info().capabilities : undefined),
    remotes,
    pins,
    clock,
    logger,
    cowsnapVersion: COWSNAP_VERSION,
    maxConcurrentUploads: options.maxConcurrentUploads,
    observer: new ReplicaMetrics(metrics.registry),
  });
  const catalog = new RemoteCatalog({ remotes, store });
  // Restore, copy and recovery from remotes: download what the pool lacks, then the local restore/copy.
  const downloads = new BackgroundOperations({ operations: operationStore, logger });
  const downloader = new ReplicaDownloader({ store, pools: registry, dockerDataRoot: async () => (await runtime.storageInfo()).dataRoot, clock, logger });
  const downloadMetrics = new ReplicaDownloadMetrics(metrics.registry);
  const remoteRestores = new RemoteRestoreService({
    remotes, operations: operationStore, background: downloads, downloader, resolver, store, capture, logger, observer: downloadMetrics,
    restore: (ref, snapshot, input) => metrics.time('restore', () => snapshots.restore(ref, snapshot, input)),
  });
  const remoteCopies = new RemoteCopyService({
    remotes, operations: operationStore, background: downloads, downloader, docker: runtime, logger, observer: downloadMetrics,
    copy: (ref, input) => metrics.time('copy', () => copies.copy(ref, input)),
  });
  const health = cachedCheck(async () => {
    await registry.refresh();
    return checkHealth({ docker: runtime, pools: registry.pools, unavailablePools: registry.unavailable, database: () => opened.db.prepare('SELECT 1').get() });
  });
  const scheduleStore = new ScheduleStore(opened.db);
  const schedules = new ScheduleService({ schedules: access.scheduleQuota(scheduleStore), resolver, clock, remoteIds: () => remotes.remotes.map((remote) => remote.id) });
  const containers = new ContainerService({ runtime, capture, store, resolver, clock, schedules: (containerId) => schedules.summary(containerId) });
  const scheduleReplication = new ScheduleReplication({ queries: replicationQueries, replicas, clock, logger });
  const replicationMetrics = new ReplicationMetrics(metrics.registry, () => scheduleReplication.lag());
  remoteReaper.observeWith(replicationMetrics);
  const reaper = new Reaper({ reaperStore: new ReaperQueries(opened.db), store, deleter: access.auditedDeleter(events.expiry(deleter)), locks, clock }, options.reaper);
  const scheduler = new Scheduler({ schedules: scheduleStore, store, resolver, locks, creator: access.auditedCreator(events.scheduleRuns(creator)), clock });
  const logFailure = (what: string) => (error: unknown): void => {
    logger.error({ err: error }, what);
  };
  // Timer ticks and explicit runs alike report what they did.
  const reaperJob = new BackgroundJob(async () => {
    const reaped = await metrics.time('reap', () => reaper.reap());
    metrics.reaperDeleted.inc(reaped.deleted);
    metrics.reaperFailures.inc(reaped.failed.length);
    if (reaped.deleted + reaped.failed.length + reaped.skippedBusy > 0) logger.info({ reaped }, 'expired snapshots reaped');
    // The journal only matters until its operation has finished; finished rows go after the retention age.
    const pruned = store.pruneFinishedOperations(daysBefore(clock.now(), retentionDays));
    if (pruned > 0) logger.info({ pruned, retentionDays }, 'finished journal entries pruned');
    events.prune();
    const auditPruned = access.pruneAudit();
    if (auditPruned > 0) logger.info({ auditPruned }, 'audit entries past their retention pruned');
    return reaped;
  }, logFailure('reaper run failed'));
  const poolJob = new BackgroundJob(async () => {
    const back = await registry.refresh();
    for (const id of back) logger.info({ pool: id }, 'pool available again');
    return back;
  }, logFailure('pool probe failed'));
  const schedulerJob = new BackgroundJob(async () => {
    const runs = await scheduler.runDue();
    if (runs.length > 0) logger.info({ runs }, 'scheduled snapshots');
    // In the same tick, so the snapshot a run just took starts uploading at once.
    const replications = await scheduleReplication.replicateDue();
    if (replications.length > 0) logger.info({ replications }, 'scheduled replica uploads');
    return runs;
  }, logFailure('scheduler run failed'));
  const remoteReaperJob = new BackgroundJob(async () => {
    const reaped = await remoteReaper.reap();
    if (reaped.deleted + reaped.failed.length > 0) logger.info({ reaped }, 'expired replicas reaped from remotes');
    return reaped;
  }, logFailure('remote reaper run failed'));

  const recoveryStarted = Date.now();
  const startup = await recoverAtStartup({
    store,
    pools: registry,
    runtime,
    restorer,
    deleter,
    removeContainer: (id) => runtime.remove(id, { force: true }),
    listRunning: async () => (await runtime.listContainers()).filter((container) => container.state.running),
    restarter,
    log: (level, fields, message) => {
      logger[level](fields, message);
    },
  });
  // The durations tell an operator why a restart is slow (pool probes, recovery over many snapshots).
  logger.info({ startup, probeMs: recoveryStarted - probeStarted, recoveryMs: Date.now() - recoveryStarted }, 'start-up recovery done');
  // Before the API opens, so the snapshots being uploaded are pinned before any delete can arrive.
  const interrupted = downloads.failInterrupted(['replica.restore', 'replica.copy', 'replica.recover']);
  if (interrupted > 0) logger.warn({ interrupted }, 'restores/copies from remotes cut off by the last stop marked failed');
  const resumed = replicas.resumeUploads();
  if (resumed.resumed + resumed.failed > 0) logger.info({ replicaUploads: resumed }, 'interrupted replica uploads');
  for (const pool of startup.pools.filter((p) => !p.available)) logger.warn({ pool }, 'pool unavailable at start-up');
  for (const mismatch of [...startup.recordsWithoutStorage, ...startup.storageWithoutRecord]) {
    logger.warn({ mismatch }, 'records and storage disagree');
  }

  const app = createApp({
    // List pages are reused while the database is unchanged (snapshot-list-cache.ts: exact, no TTL).
    snapshots: withListCache(
      withReplicas(
        events.snapshots(instrumentSnapshots(snapshots, metrics, logger)),
        (containerId, name) => replicas.replicasOf(containerId, name),
        (containerId, names) => replicas.replicasOfPage(containerId, names),
      ),
      { resolver, generation: dataGeneration(opened.db), maxPages: listCachePagesFrom(process.env) },
    ),
    containers,
    token,
    access: access.http,
    logger,
    health,
    metricsRegistry: metrics.registry,
    extraRoutes: [
      ...scheduleRoutes(schedules),
      ...copyRoutes({
        ...events.copies((ref, input) => metrics.time('copy', () => copies.copy(ref, input))),
        checkTargetProject: (projectId) => {
          access.checkCopyTarget(projectId);
        },
      }),
      ...events.routes,
      ...diffRoutes(new SnapshotDiffService({ store, resolver, locks, pools: registry }, config.diffMaxChanges)),
      ...replicaRoutes(replicas),
      ...replicaListRoutes(new ReplicaListing({ resolver, replicas: replicaStore, remotes })),
      ...remoteRoutes({
        listRemotes: () => catalog.listRemotes(),
        listSnapshots: (remoteId, query) => catalog.listSnapshots(remoteId, access.scopedRemoteQuery(query)),
      }),
      ...remoteRestoreRoutes({
        restoreFromRemote: (...args) => remoteRestores.restoreFromRemote(...args),
        copyFromRemote: (...args) => remoteCopies.copyFromRemote(...args),
        recover: (...args) => remoteCopies.recover(...args),
        checkTargetProject: (projectId) => {
          access.checkCopyTarget(projectId);
        },
      }),
      ...operationRoutes({
        getOperation: (id) => access.visibleOperation(operationStore.getOperation(id)),
        listOperations: (query) => operationStore.listOperations(access.scopedOperations(query)),
        containerIdOf: (ref) => [...store.findContainers(ref)].sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())[0]?.id,
      }),
      ...copyDatasetRoutes({
        list: () => listCopyDatasets({ pools: registry, runtime, store }),
        reclaim: (pool, name) => reclaimCopyDataset({ pools: registry, runtime, store }, pool, name),
      }),
      ...access.routes,
    ],
  });
  const inFlight = new InFlightRequests();
  const server = await listen(inFlight.wrap(app.callback()), config);
  const url = 'socket' in config.listen ? `unix:${config.listen.socket}` : `http://${config.listen.host}:${String(addressPort(server))}`;
  logger.info({ url }, 'cowsnap listening');

  // After recovery, so neither sees a half-finished operation. The first runs make up for the time
  // cowsnap was down: each schedule's latest missed slot once, and whatever expired meanwhile.
  schedulerJob.start('* * * * *');
  poolJob.start('* * * * *');
  runtime.watchEvents(
    (error: unknown) => {
      logger.warn({ err: error }, 'Docker event stream lost: read requests ask Docker directly until it is back');
    },
    () => void restarter.retry(),
  );
  reaperJob.start(config.reaperSchedule);
  events.startDeliveries();
  remoteReaperJob.start(config.reaperSchedule);
  schedulerJob.tick();
  reaperJob.tick();
  remoteReaperJob.tick();

  return {
    url,
    token,
    startup,
    reaper: { run: (): Promise<ReapReport> => reaperJob.run() },
    scheduler: { runDue: (): Promise<ScheduleRunReport[]> => schedulerJob.run() },
    remoteReaper: { run: (): Promise<RemoteReapReport> => remoteReaperJob.run() },
    replicaUploads: { idle: () => replicas.idle() },
    async close() {
      reaper.stop();
      runtime.stopWatchingEvents();
      restarter.close();
      remoteReaper.stop();
      // Event streams never end on their own; background restores and copies finish and record first.
      await events.close();
      // Uploads stop where they are and stay `uploading`: the next start resumes them.
      await Promise.all([schedulerJob.stop(), reaperJob.stop(), remoteReaperJob.stop(), poolJob.stop(), replicas.close(), downloads.close()]);
      for (const remote of s3Remotes) remote.close();
      // Graceful: no new requests; running operations (a restore, a copy) finish and answer first. What a
      // longer wait would cut off is still journaled, and start-up recovery finishes it.
      inFlight.beginShutdown();
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => {
            resolve(false);
          }, SHUTDOWN_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!drained) {
        logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still running at shutdown were cut off; start-up recovery will finish their operations');
        server.closeAllConnections();
        await closed;
      }
      // A handler whose socket was cut off still runs: the database stays open until it returns.
      if (!(await inFlight.settled(HANDLER_SETTLE_MS))) {
        logger.warn({ running: inFlight.count }, 'request handlers still running after the grace period; closing the database under them');
      }
      await sizes.idle();
      opened.close();
    },
  };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, config: CowsnapConfig): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('socket' in config.listen) {
      const socket = config.listen.socket;
      removeStaleSocket(socket).then(
        () => server.listen(socket, resolve),
        (error: unknown) => {
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    } else {
      server.listen(config.listen.port, config.listen.host, resolve);
    }
  });
  if ('socket' in config.listen) await chmod(config.listen.socket, 0o600);
  return server;
}

function addressPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
