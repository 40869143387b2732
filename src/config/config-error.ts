import type { ErrorDetail } from '../errors/app-error.js';

/**
 * The configuration cannot be used. Lists every problem at once, so an operator fixes the file in one go
 * instead of restarting once per mistake.
 */
export class ConfigError extends Error {
  readonly problems: readonly ErrorDetail[];

  constructor(problems: readonly ErrorDetail[], options?: { cause?: unknown }) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(problem: ErrorDetail): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}
