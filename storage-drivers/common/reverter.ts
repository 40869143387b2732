/**
 * Undoes partial work in reverse order (the pattern of Incus' revert package): each step that changes
 * something registers how to take it back; on failure everything registered runs last-first, and on
 * success the caller calls success() so nothing is undone.
 */
export interface RevertFailure {
  readonly label: string;
  readonly error: unknown;
}

export class Reverter {
  private steps: { label: string; undo: () => Promise<void> }[] = [];

  /** Registers how to undo the step that just succeeded. */
  add(label: string, undo: () => Promise<void>): void {
    this.steps.push({ label, undo });
  }

  /** Keeps the work: forget every undo step. */
  success(): void {
    this.steps = [];
  }

  /** Runs every undo step last-first; one failing does not stop the others. Returns the failures. */
  async revert(): Promise<RevertFailure[]> {
    const failures: RevertFailure[] = [];
    const steps = this.steps.reverse();
    this.steps = [];
    for (const step of steps) {
      try {
        await step.undo();
      } catch (error) {
        failures.push({ label: step.label, error });
      }
    }
    return failures;
  }
}

/**
 * Runs `body`; if it throws, reverts what it registered and rethrows the ORIGINAL error (its type is what
 * the layers above map, e.g. NoSpaceError → 507). Undo failures are attached as `revertFailures`.
 */
export async function withReverter<T>(body: (reverter: Reverter) => Promise<T>): Promise<T> {
  const reverter = new Reverter();
  try {
    const result = await body(reverter);
    reverter.success();
    return result;
  } catch (error) {
    const failures = await reverter.revert();
    if (failures.length > 0 && error instanceof Error) {
      Object.assign(error, { revertFailures: failures });
    }
    throw error;
  }
}
