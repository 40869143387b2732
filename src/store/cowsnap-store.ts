/**
 * The store the core services receive: containers, snapshots and the operation journal on one SQLite
 * connection. Every method is synchronous and is, or runs inside, one short transaction. Services that
 * need only a part may take `store.containers`, `store.snapshots` or `store.journal` instead.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { ContainerRecord, JournalEntry, OperationKind, SnapshotRecord } from '../core/model.js';
import type { RecordedStorage } from '../core/ports.js';
import { ContainerStore, type SeenContainer } from './container-store.js';
import type { Database } from './database.js';
import { JournalStore } from './journal-store.js';
import type { SecretBox } from './secret-box.js';
import { SnapshotStore, type NewSnapshot, type SnapshotListQuery, type SnapshotMetaPatch } from './snapshot-store.js';
import type { SnapshotReadyFields } from '../core/ports.js';

export class CowsnapStore {
  readonly containers: ContainerStore;
  readonly snapshots: SnapshotStore;
  readonly journal: JournalStore;

  /** `clock` stamps journal entries; every other time is passed in by the caller. */
  constructor(db: Database, secrets: SecretBox, clock: Clock = systemClock) {
    this.containers = new ContainerStore(db);
    this.snapshots = new SnapshotStore(db, secrets);
    this.journal = new JournalStore(db, clock);
  }

  // containers
  upsertContainer(container: SeenContainer, seenAt: Date): ContainerRecord {
    return this.containers.upsertContainer(container, seenAt);
  }
  markContainerRemoved(id: string, at: Date): void {
    this.containers.markContainerRemoved(id, at);
  }
  getContainer(id: string): ContainerRecord | undefined {
    return this.containers.getContainer(id);
  }
  findContainers(ref: string): ContainerRecord[] {
    return this.containers.findContainers(ref);
  }
  listContainers(): ContainerRecord[] {
    return this.containers.listContainers();
  }

  // snapshots: changes
  reserveSnapshot(input: NewSnapshot): SnapshotRecord {
    return this.snapshots.reserveSnapshot(input);
  }
  markSnapshotReady(id: number, fields: SnapshotReadyFields): SnapshotRecord {
    return this.snapshots.markSnapshotReady(id, fields);
  }
  markSnapshotFailed(id: number, error: string, expiresBy?: Date): void {
    this.snapshots.markSnapshotFailed(id, error, expiresBy);
  }
  markSnapshotDeleting(id: number): void {
    this.snapshots.markSnapshotDeleting(id);
  }
  recordSnapshotError(id: number, error: string | null): void {
    this.snapshots.recordSnapshotError(id, error);
  }
  updateSnapshotMeta(id: number, patch: SnapshotMetaPatch): SnapshotRecord {
    return this.snapshots.updateSnapshotMeta(id, patch);
  }
  touchLastUsed(id: number, at: Date): void {
    this.snapshots.touchLastUsed(id, at);
  }
  setSnapshotSize(id: number, sizeBytes: number | null): void {
    this.snapshots.setSnapshotSize(id, sizeBytes);
  }
  deleteSnapshotRecord(id: number): void {
    this.snapshots.deleteSnapshotRecord(id);
  }

  // snapshots: reads
  getSnapshot(id: number): SnapshotRecord | undefined {
    return this.snapshots.getSnapshot(id);
  }
  resolveSnapshot(containerId: string, ref: string): SnapshotRecord | undefined {
    return this.snapshots.resolveSnapshot(containerId, ref);
  }
  listSnapshots(containerId: string, query: SnapshotListQuery): { snapshots: SnapshotRecord[]; total: number } {
    return this.snapshots.listSnapshots(containerId, query);
  }
  countSnapshots(containerId: string): number {
    return this.snapshots.countSnapshots(containerId);
  }
  listAllSnapshots(): SnapshotRecord[] {
    return this.snapshots.listAllSnapshots();
  }
  listCreatingSnapshots(): SnapshotRecord[] {
    return this.snapshots.listCreatingSnapshots();
  }
  listRecordedStorage(): RecordedStorage[] {
    return this.snapshots.listRecordedStorage();
  }

  // operation journal
  startOperation(kind: OperationKind, containerId: string, snapshotName: string | null, payload: Record<string, unknown>): JournalEntry {
    return this.journal.startOperation(kind, containerId, snapshotName, payload);
  }
  updateOperation(id: number, step: string, payload?: Record<string, unknown>): void {
    this.journal.updateOperation(id, step, payload);
  }
  finishOperation(id: number, state: 'done' | 'failed', error?: string): void {
    this.journal.finishOperation(id, state, error);
  }
  getOperation(id: number): JournalEntry | undefined {
    return this.journal.getOperation(id);
  }
  listUnfinishedOperations(): JournalEntry[] {
    return this.journal.listUnfinishedOperations();
  }
  pruneFinishedOperations(before: Date): number {
    return this.journal.pruneFinishedOperations(before);
  }
}
