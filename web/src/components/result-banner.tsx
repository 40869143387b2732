/** The outcome of the last action, announced politely and kept until dismissed or replaced. */
import type { ComponentChildren } from 'preact';

export function ResultBanner({ children, onDismiss }: { readonly children: ComponentChildren; readonly onDismiss: () => void }) {
  return (
    <div class="result-banner" role="status" aria-live="polite">
      <div>{children}</div>
      <button type="button" class="dialog-close" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
