import type { CommandResult, CommandRunner } from '../../storage-drivers/common/command-runner.js';

/** A fake runner that records every command and runs none: proof that validation came first. */
export class RecordingRunner implements CommandRunner {
  readonly calls: string[] = [];

  run(command: string, args: readonly string[]): Promise<CommandResult> {
    this.calls.push([command, ...args].join(' '));
    return Promise.resolve({ stdout: '', stderr: '' });
  }

}
