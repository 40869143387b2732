/** Per-project Prometheus gauges: use next to limits, read from the store at scrape time. */
import { Gauge, type Registry } from 'prom-client';
import type { ProjectRecord, ProjectUsage } from './project.js';

export function registerProjectMetrics(registry: Registry, projects: () => { project: ProjectRecord; usage: ProjectUsage }[]): void {
  const use = new Gauge({
    name: 'cowsnap_project_usage',
    help: 'What a project uses: snapshots, snapshot_bytes, schedules, containers, replica_bytes (per remote)',
    labelNames: ['project', 'resource', 'remote'],
    registers: [registry],
    collect() {
      use.reset();
      limit.reset();
      for (const { project, usage } of projects()) {
        const p = project.id;
        use.set({ project: p, resource: 'snapshots', remote: '' }, usage.snapshots);
        use.set({ project: p, resource: 'snapshot_bytes', remote: '' }, usage.snapshotBytes);
        use.set({ project: p, resource: 'schedules', remote: '' }, usage.schedules);
        use.set({ project: p, resource: 'containers', remote: '' }, usage.containers);
        for (const [remote, bytes] of Object.entries(usage.replicaBytes)) use.set({ project: p, resource: 'replica_bytes', remote }, bytes);
        const q = project.quotas;
        if (q.maxSnapshots !== null) limit.set({ project: p, resource: 'snapshots', remote: '' }, q.maxSnapshots);
        if (q.maxSnapshotBytes !== null) limit.set({ project: p, resource: 'snapshot_bytes', remote: '' }, q.maxSnapshotBytes);
        if (q.maxSchedules !== null) limit.set({ project: p, resource: 'schedules', remote: '' }, q.maxSchedules);
        for (const [remote, bytes] of Object.entries(q.maxReplicaBytes)) limit.set({ project: p, resource: 'replica_bytes', remote }, bytes);
      }
    },
  });
  const limit = new Gauge({
    name: 'cowsnap_project_quota',
    help: "A project's quota (only limited resources are listed)",
    labelNames: ['project', 'resource', 'remote'],
    registers: [registry],
  });
}
