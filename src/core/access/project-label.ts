import type { LiveContainer } from '../ports.js';
import { PROJECT_LABEL } from './role.js';

/** `{project}` when the container carries the `cowsnap.project` label (for upsertContainer), else `{}`. */
export function projectFromLabel(live: Pick<LiveContainer, 'config'>): { project?: string } {
  const project = live.config.labels[PROJECT_LABEL];
  return project === undefined ? {} : { project };
}
