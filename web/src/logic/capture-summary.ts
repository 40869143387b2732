/** What a snapshot of a container holds and what it cannot, in the words the Containers page shows. */
import type { CaptureEntry } from '../api/api-types.ts';

export interface CaptureLine {
  readonly label: string;
  readonly captured: boolean;
  /** Why it is not captured (the API's reason); null when it is. */
  readonly reason: string | null;
}

export function captureLines(capture: readonly CaptureEntry[]): CaptureLine[] {
  return capture.map((entry) => ({
    label: entry.role === 'rootfs' ? 'rootfs' : `${entry.role} ${entry.mount_point}`,
    captured: entry.captured,
    reason: entry.captured ? null : (entry.reason ?? 'not captured'),
  }));
}

/** "rootfs + 1 mount captured; 1 not captured" */
export function captureSummary(capture: readonly CaptureEntry[]): string {
  const captured = capture.filter((c) => c.captured);
  const missing = capture.length - captured.length;
  if (capture.length === 0) return 'nothing to capture';
  const rootfs = captured.some((c) => c.role === 'rootfs');
  const mounts = captured.filter((c) => c.role !== 'rootfs').length;
  const parts: string[] = [];
  if (rootfs) parts.push('rootfs');
  if (mounts > 0) parts.push(`${mounts} mount${mounts === 1 ? '' : 's'}`);
  const head = parts.length === 0 ? 'nothing captured' : `${parts.join(' + ')} captured`;
  return missing > 0 ? `${head}; ${missing} not captured` : head;
}
