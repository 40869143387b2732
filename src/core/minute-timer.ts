/**
 * Calls `onTick` at the start of every minute (second 0, as cron's "* * * * *" does), re-aimed at the next
 * whole minute after each tick so it never drifts. The every-minute jobs use it instead of node-cron's
 * timer: node-cron works out each next run through `Intl.DateTimeFormat`, even in UTC, and the ICU data
 * that pulls in costs ~7 MiB of resident memory for as long as the service runs (issue #17, goal 5).
 * Minutes are whole in epoch time, so the boundaries are the same in every time zone with whole-minute
 * offsets; a calendar is not needed.
 */
const MINUTE_MS = 60_000;

export interface MinuteTimer {
  stop(): void;
}

export function startMinuteTimer(onTick: () => void, now: () => number = Date.now): MinuteTimer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (): void => {
    // At least 1 ms: a timer that fires a hair early (clock adjustments) still lands in the next minute.
    const delay = Math.max(1, MINUTE_MS - (now() % MINUTE_MS));
    timer = setTimeout(() => {
      if (stopped) return;
      arm();
      onTick();
    }, delay);
  };
  arm();
  return {
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
