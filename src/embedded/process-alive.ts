import { readFileSync } from 'node:fs';

/**
 * True while a process with this pid exists. A thread id answers kill(tid, 0) as well, and a recycled
 * pid may now name a thread of another program: only a thread-group leader (Tgid = pid) counts.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const tgid = /^Tgid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return tgid === undefined || Number(tgid) === pid;
  } catch {
    // No /proc (or it vanished in between): kill() already said it exists.
    return true;
  }
}
