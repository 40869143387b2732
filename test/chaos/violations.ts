/** Invariant violations by class, with the first few examples of each for the report. */
export class Violations {
  readonly byClass = new Map<string, string[]>();
  total = 0;
  /** Where the run is (kill number, op), prefixed to each example so it can be found in the log. */
  where = '';

  add(kind: string, detail: string): void {
    this.total += 1;
    const examples = this.byClass.get(kind) ?? [];
    if (examples.length < 5) examples.push(`${this.where}${detail}`);
    else examples.push('');
    this.byClass.set(kind, examples);
    process.stderr.write(`VIOLATION ${kind}: ${this.where}${detail}\n`);
  }

  summary(): string[] {
    return [...this.byClass].map(([kind, examples]) => `${kind}: ${String(examples.length)}\n${examples.filter((e) => e !== '').map((e) => `    ${e}`).join('\n')}`);
  }
}
