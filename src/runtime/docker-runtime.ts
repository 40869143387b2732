/**
 * The only place that talks to Docker (design.md §2). Every dockerode failure leaves here as an AppError:
 * 503 docker_unavailable, 404 container_not_found, 409 conflict, 400, or 500 docker_failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import type { RecordedContainerConfig } from '../core/model.js';
import type { RuntimePort } from '../core/ports.js';
import { ConflictError } from '../errors/conflict-error.js';
import { InternalError } from '../errors/internal-error.js';
import { detailsFromInspect, type ContainerDetails } from './container-details.js';
import { ambiguousRefError, matchContainerRef, normalizeContainerRef } from './container-ref.js';
import { createOptionsFor, type CreateOverrides } from './create-options.js';
import { describeDockerFailure, mapDockerError, type DockerErrorContext } from './docker-errors.js';
import { ContainerLookupCache } from './container-lookup-cache.js';
import { watchContainerEvents, type EventWatch } from './docker-event-watch.js';
import { btrfsLayerPath } from './rootfs-layer.js';
import { StorageInfoCache } from './storage-info-cache.js';

export interface DockerRuntimeOptions {
  /** Seconds Docker waits after SIGTERM before it kills a container it stops. */
  readonly stopTimeoutSeconds: number;
}

export interface StorageInfo {
  /** Docker's storage driver: "btrfs", "overlay2", "zfs", ... */
  readonly driver: string;
  /** DockerRootDir: where Docker keeps images, layers and container state. */
  readonly dataRoot: string;
}

const INSPECT_BATCH = 8;
/** Bound on remembered layer paths (one per container snapshotted); past it the map starts over. */
const MAX_LAYER_PATHS = 10_000;


export class DockerRuntime implements RuntimePort {
  private readonly socket: string | undefined;
  private readonly lookups = new ContainerLookupCache();
  private eventWatch: EventWatch | undefined;
  private readonly storage: StorageInfoCache;
  /**
   * Container id → its writable layer's path. Docker picks a container's layer once, when it creates the
   * container, and never moves it; a new container has a new id. (Whether the path is a dataset a pool
   * accepts is asked again at each capture: pools come and go.)
   */
  private readonly layerPaths = new Map<string, string>();

  constructor(
    private readonly docker: Dockerode,
    private readonly options: DockerRuntimeOptions,
  ) {
    // dockerode types its modem loosely; the socket path only makes the 503 message precise.
    const modem = docker.modem as { socketPath?: unknown } | undefined;
    this.socket = typeof modem?.socketPath === 'string' ? modem.socketPath : undefined;
    this.storage = new StorageInfoCache(() => this.askStorageInfo());
  }

  /**
   * Follows Docker's container events so read paths can answer from the lookup cache (see
   * container-lookup-cache.ts). Until this runs, and while the stream is down, every lookup asks Docker.
   */
  watchEvents(onLost?: (error: unknown) => void, onConnected?: () => void): void {
    if (this.eventWatch !== undefined) return;
    this.eventWatch = watchContainerEvents(this.docker, {
      connected: () => {
        this.storage.setLive(true);
        this.lookups.setLive(true);
        onConnected?.();
      },
      lost: (error) => {
        this.storage.setLive(false);
        this.lookups.setLive(false);
        onLost?.(error);
      },
      containerChanged: (id) => { this.lookups.containerChanged(id); },
    });
  }

  /** True while the event stream is connected (read lookups may then be answered from the cache). */
  get watchingEvents(): boolean {
    return this.lookups.isLive;
  }

  stopWatchingEvents(): void {
    this.eventWatch?.stop();
    this.eventWatch = undefined;
    this.storage.setLive(false);
    this.lookups.setLive(false);
  }

  async ping(): Promise<void> {
    await this.call({ action: 'ping Docker' }, () => this.docker.ping());
  }

  /**
   * Docker's storage driver and data root. `cached`: a kept answer that is still fresh may be reused
   * (storage-info-cache.ts: while the event stream lasts, else at most 5 s); otherwise Docker is asked.
   */
  storageInfo(options: { cached?: boolean } = {}): Promise<StorageInfo> {
    return this.storage.get(options);
  }

  private async askStorageInfo(): Promise<StorageInfo> {
    const info = await this.call({ action: 'read docker info' }, () => this.docker.info() as Promise<{ Driver?: unknown; DockerRootDir?: unknown }>);
    if (typeof info.Driver !== 'string' || typeof info.DockerRootDir !== 'string') {
      throw new InternalError('docker_failed', 'docker info did not report Driver and DockerRootDir.');
    }
    return { driver: info.Driver, dataRoot: info.DockerRootDir };
  }

  /**
   * A full id, unique id prefix or name (leading "/" allowed) → the container, or undefined when Docker
   * knows none. An id prefix shared by several containers is a 400 ambiguous_container listing them.
   */
  async resolveContainer(ref: string, options: { cached?: boolean } = {}): Promise<ContainerDetails | undefined> {
    if (options.cached !== true) return this.lookUp(ref);
    const known = this.lookups.get(ref);
    if (known !== undefined) return known;
    const startedAt = this.lookups.begin();
    const found = await this.lookUp(ref);
    if (found !== undefined) this.lookups.remember(ref, found, startedAt);
    return found;
  }

  private async lookUp(ref: string): Promise<ContainerDetails | undefined> {
    const bare = normalizeContainerRef(ref);
    try {
      return detailsFromInspect(await this.docker.getContainer(bare).inspect());
    } catch (error) {
      const failure = describeDockerFailure(error);
      if (failure.statusCode === 404) return undefined;
      // An ambiguous id prefix: 500 "Multiple IDs found" from Docker 20.10, 400 from newer releases.
      if (failure.statusCode === 400 || /multiple ids found/i.test(failure.message)) return this.resolveByListing(ref, bare);
      throw mapDockerError(error, { action: `inspect container ${bare}`, container: ref, ...this.where() });
    }
  }

  private async resolveByListing(ref: string, bare: string): Promise<ContainerDetails | undefined> {
    const listed = await this.call({ action: 'list containers' }, () => this.docker.listContainers({ all: true }));
    const candidates = listed.map((c) => ({ id: c.Id, names: c.Names.map((n) => n.replace(/^\//, '')) }));
    const match = matchContainerRef(bare, candidates);
    if (match.kind === 'ambiguous') throw ambiguousRefError(ref, match.candidates);
    if (match.kind === 'none') return undefined;
    return this.inspectOrUndefined(match.container.id);
  }

  /** Every container Docker knows, running or not. One removed while we look is left out. */
  async listContainers(): Promise<ContainerDetails[]> {
    const listed = await this.call({ action: 'list containers' }, () => this.docker.listContainers({ all: true }));
    const details: (ContainerDetails | undefined)[] = [];
    // A few inspects at a time: a host with hundreds of containers must not flood the Docker socket.
    for (let i = 0; i < listed.length; i += INSPECT_BATCH) {
      details.push(...(await Promise.all(listed.slice(i, i + INSPECT_BATCH).map((c) => this.inspectOrUndefined(c.Id)))));
    }
    return details.filter((d): d is ContainerDetails => d !== undefined);
  }

  async inspect(id: string): Promise<ContainerDetails> {
    const bare = normalizeContainerRef(id);
    const info = await this.call({ action: `inspect container ${bare}`, container: id }, () => this.docker.getContainer(bare).inspect());
    return detailsFromInspect(info);
  }

  private async inspectOrUndefined(id: string): Promise<ContainerDetails | undefined> {
    try {
      return detailsFromInspect(await this.docker.getContainer(id).inspect());
    } catch (error) {
      if (describeDockerFailure(error).statusCode === 404) return undefined;
      throw mapDockerError(error, { action: `inspect container ${id}`, container: id, ...this.where() });
    }
  }

  /** The host path of the container's writable layer (Docker's btrfs storage driver only). */
  async rootfsLayerPath(containerId: string, dataRoot: string): Promise<string> {
    const key = `${dataRoot}\0${containerId}`;
    const known = this.layerPaths.get(key);
    if (known !== undefined) return known;
    const layer = await btrfsLayerPath(dataRoot, containerId);
    if (this.layerPaths.size >= MAX_LAYER_PATHS) this.layerPaths.clear();
    this.layerPaths.set(key, layer);
    return layer;
  }

  /** Graceful stop (SIGTERM, then SIGKILL after stopTimeoutSeconds). Already stopped is fine. */
  async stop(id: string): Promise<void> {
    const bare = normalizeContainerRef(id);
    await this.tolerating([304], { action: `stop container ${bare}`, container: id }, () =>
      this.docker.getContainer(bare).stop({ t: this.options.stopTimeoutSeconds }),
    );
  }

  /** Already running is fine; a paused container is a 409 (unpause it instead). */
  async start(id: string): Promise<void> {
    const bare = normalizeContainerRef(id);
    await this.tolerating([304], { action: `start container ${bare}`, container: id }, () => this.docker.getContainer(bare).start());
  }

  /** Freezes the container's processes. Already paused is fine; not running is a 409 container_not_running. */
  async pause(id: string): Promise<void> {
    const bare = normalizeContainerRef(id);
    try {
      await this.call({ action: `pause container ${bare}`, container: id }, () => this.docker.getContainer(bare).pause());
    } catch (error) {
      // Docker's answers differ by release (409 or 500), so the container's state decides.
      const state = await this.stateAfterRefusal(error, bare);
      if (state.paused) return;
      if (!state.running) throw new ConflictError('container_not_running', `Container ${bare} is not running (${state.status}); it cannot be paused.`);
      throw error;
    }
  }

  /** Thaws a paused container. Not paused is fine. */
  async unpause(id: string): Promise<void> {
    const bare = normalizeContainerRef(id);
    try {
      await this.call({ action: `unpause container ${bare}`, container: id }, () => this.docker.getContainer(bare).unpause());
    } catch (error) {
      if ((await this.stateAfterRefusal(error, bare)).paused) throw error;
    }
  }

  /** The container's state after Docker refused a request; rethrows what is not a refusal (404, 503). */
  private async stateAfterRefusal(error: unknown, id: string): Promise<ContainerDetails['state']> {
    if (!(error instanceof ConflictError || error instanceof InternalError)) throw error;
    return (await this.inspect(id)).state;
  }

  /** Polls until the container no longer runs; false when it still runs after timeoutMs. */
  async waitUntilStopped(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!(await this.inspect(id)).state.running) return true;
      if (Date.now() >= deadline) return false;
      await sleep(100);
    }
  }

  /**
   * A new container from a recorded configuration (copy). Created from the recorded image *id*, since
   * a snapshot's rootfs layer only fits the exact image it was made on; the image name is used when it
   * still points at that id. Extra networks are connected after create (API 1.41 takes one at create).
   */
  async createContainer(name: string, config: RecordedContainerConfig, overrides: CreateOverrides = {}): Promise<string> {
    const bare = normalizeContainerRef(name);
    const image = overrides.image ?? (await this.imageRefFor(config));
    const options = createOptionsFor(bare, config, { ...overrides, image });
    const container = await this.call({ action: `create container ${bare}` }, () => this.docker.createContainer(options));
    try {
      for (const network of config.networks.slice(1)) {
        await this.call({ action: `connect container ${bare} to network ${network}` }, () => this.docker.getNetwork(network).connect({ Container: container.id }));
      }
    } catch (error) {
      // The caller never learns the id of a container that failed halfway, so it cannot undo it: we do.
      try {
        await this.remove(container.id, { force: true });
      } catch (removal) {
        const why = removal instanceof Error ? removal.message : String(removal);
        throw new InternalError('docker_failed', `${error instanceof Error ? error.message : String(error)}; removing the half-made container ${bare} failed too: ${why}`, {
          cause: error,
        });
      }
      throw error;
    }
    return container.id;
  }

  /** The image's id when this Docker has it (by id or reference); undefined when it does not. */
  async findImage(ref: string): Promise<{ id: string } | undefined> {
    try {
      const image = (await this.docker.getImage(ref).inspect()) as { Id: string };
      return { id: image.Id };
    } catch (error) {
      if (describeDockerFailure(error).statusCode === 404) return undefined;
      throw mapDockerError(error, { action: `inspect image ${ref}`, ...this.where() });
    }
  }

  /** Removes a container (copy's undo). Already gone is fine. */
  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    const bare = normalizeContainerRef(id);
    await this.tolerating([404], { action: `remove container ${bare}`, container: id }, () =>
      this.docker.getContainer(bare).remove({ force: options.force ?? false }),
    );
  }

  private async imageRefFor(config: RecordedContainerConfig): Promise<string> {
    try {
      const image = (await this.docker.getImage(config.image).inspect()) as { Id: string };
      return image.Id === config.imageId ? config.image : config.imageId;
    } catch (error) {
      if (describeDockerFailure(error).statusCode === 404) return config.imageId;
      throw mapDockerError(error, { action: `inspect image ${config.image}`, ...this.where() });
    }
  }

  private where(): Pick<DockerErrorContext, 'socket'> {
    return this.socket !== undefined ? { socket: this.socket } : {};
  }

  private async call<T>(context: DockerErrorContext, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw mapDockerError(error, { ...context, ...this.where() });
    }
  }

  /** Docker's 304 "already started/stopped" (and 404 for remove) are success for an idempotent call. */
  private async tolerating(statuses: readonly number[], context: DockerErrorContext, request: () => Promise<unknown>): Promise<void> {
    try {
      await request();
    } catch (error) {
      const status = describeDockerFailure(error).statusCode;
      if (status !== undefined && statuses.includes(status)) return;
      throw mapDockerError(error, { ...context, ...this.where() });
    }
  }
}
