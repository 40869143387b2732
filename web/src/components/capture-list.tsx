/** Each filesystem of a container: captured, or not with the API's reason. */
import type { CaptureEntry } from '../api/api-types.ts';
import { captureLines } from '../logic/capture-summary.ts';

export function CaptureList({ capture }: { readonly capture: readonly CaptureEntry[] }) {
  const lines = captureLines(capture);
  if (lines.length === 0) return <span class="muted">nothing to capture</span>;
  return (
    <ul class="capture-list">
      {lines.map((line) => (
        <li key={line.label} class={line.captured ? 'captured' : 'not-captured'}>
          <span aria-hidden="true">{line.captured ? '✓' : '✗'}</span> {line.label}
          {line.captured ? <span class="visually-hidden"> captured</span> : <span class="reason">: not captured ({line.reason})</span>}
        </li>
      ))}
    </ul>
  );
}
