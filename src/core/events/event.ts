/**
 * Events (design.md §10): what happened to an operation, as clients see it over SSE and webhooks.
 * An event's type is `<operation kind>.<phase>`, e.g. `snapshot.restore.succeeded`.
 */
import type { OperationError, OperationKindName } from '../operations.js';

export const EVENT_PHASES = ['started', 'progress', 'succeeded', 'failed'] as const;
export type EventPhase = (typeof EVENT_PHASES)[number];

/** What an emitter says; the bus adds id and time. */
export interface NewEvent {
  readonly kind: OperationKindName | 'webhook';
  readonly phase: EventPhase | 'test';
  /** The container's project: 'default' until projects exist; the SSE project filter reads it. */
  readonly projectId: string;
  readonly containerId: string | null;
  readonly snapshotName: string | null;
  readonly operationId: number | null;
  /** What else the operation works on: a remote, a schedule, the name of a copy. */
  readonly target: string | null;
  /** From the operation's start to this event; null on `started`. */
  readonly durationMs: number | null;
  readonly bytesDone: number | null;
  readonly bytesTotal: number | null;
  readonly error: OperationError | null;
}

export interface CowsnapEvent extends NewEvent {
  /** Increasing; the SSE `id:` and what `Last-Event-ID` resumes from. */
  readonly id: number;
  readonly type: string;
  readonly at: Date;
}

/** The event as JSON: the SSE `data:` line and the webhook body. Field names are part of the contract. */
export interface EventJson {
  readonly id: number;
  readonly type: string;
  readonly at: string;
  readonly project_id: string;
  readonly container_id: string | null;
  readonly snapshot: string | null;
  readonly operation_id: number | null;
  readonly target: string | null;
  readonly duration_ms: number | null;
  readonly bytes_done: number | null;
  readonly bytes_total: number | null;
  readonly error: OperationError | null;
}

export function eventJson(event: CowsnapEvent): EventJson {
  return {
    id: event.id,
    type: event.type,
    at: event.at.toISOString(),
    project_id: event.projectId,
    container_id: event.containerId,
    snapshot: event.snapshotName,
    operation_id: event.operationId,
    target: event.target,
    duration_ms: event.durationMs,
    bytes_done: event.bytesDone,
    bytes_total: event.bytesTotal,
    error: event.error,
  };
}

export function eventFromJson(json: EventJson): CowsnapEvent {
  const [kindA = '', kindB = '', phase = ''] = json.type.split('.');
  return {
    id: json.id,
    type: json.type,
    at: new Date(json.at),
    kind: `${kindA}.${kindB}` as NewEvent['kind'],
    phase: phase as NewEvent['phase'],
    projectId: json.project_id,
    containerId: json.container_id,
    snapshotName: json.snapshot,
    operationId: json.operation_id,
    target: json.target,
    durationMs: json.duration_ms,
    bytesDone: json.bytes_done,
    bytesTotal: json.bytes_total,
    error: json.error,
  };
}
