import { spawnSync } from 'node:child_process';

/**
 * Last-resort stop of a test dockerd when the process is being interrupted: SIGKILL to the containers
 * (children of containerd shims), the shims, containerd and dockerd whose command lines mention `marker`
 * (the daemon's exec root or the test folder). Container processes must die too: their mount namespaces
 * would otherwise keep the pool's loop device busy after every unmount.
 */
export function killDockerTreeSync(marker: string): number {
  const listing = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout;
  const processes = listing
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }));
  const daemons = processes.filter((p) => p.args.includes(marker) && /(^|\/)(dockerd|containerd|containerd-shim[\w-]*)\s/.test(p.args));
  const shimPids = new Set(daemons.filter((p) => p.args.includes('containerd-shim')).map((p) => p.pid));
  const containers = processes.filter((p) => shimPids.has(p.ppid));
  // Containers first (killing a pid-namespace init kills the whole namespace), then the daemons.
  for (const victim of [...containers, ...daemons]) {
    try {
      process.kill(victim.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (containers.length + daemons.length > 0) spawnSync('sleep', ['1']);
  return containers.length + daemons.length;
}
