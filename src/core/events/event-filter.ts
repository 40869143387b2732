/**
 * Which events a subscriber (an SSE client, a webhook) wants. A type pattern matches an event type exactly
 * or as a dotted prefix: `snapshot` matches every snapshot event, `snapshot.restore` every phase of a
 * restore, `*` everything.
 */
import type { CowsnapEvent } from './event.js';

export interface EventFilter {
  readonly types?: readonly string[];
  readonly containerId?: string;
  /** Set when the caller may see one project only (API keys of a project). */
  readonly projectId?: string;
}

export function typeMatches(pattern: string, type: string): boolean {
  return pattern === '*' || type === pattern || type.startsWith(`${pattern}.`);
}

export function eventMatches(filter: EventFilter, event: CowsnapEvent): boolean {
  if (filter.containerId !== undefined && event.containerId !== filter.containerId) return false;
  if (filter.projectId !== undefined && event.projectId !== filter.projectId) return false;
  if (filter.types !== undefined && filter.types.length > 0 && !filter.types.some((p) => typeMatches(p, event.type))) return false;
  return true;
}
