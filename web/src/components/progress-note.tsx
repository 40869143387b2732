/** A running action: what is happening and for how long, announced to screen readers. */
import { useEffect, useState } from 'preact/hooks';

export function ProgressNote({ label }: { readonly label: string }) {
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(started);
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 250);
    return () => {
      clearInterval(timer);
    };
  }, []);
  return (
    <p class="progress" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {label} <span class="elapsed">{((now - started) / 1000).toFixed(1)} s</span>
    </p>
  );
}
