import type { CommandResult, CommandRunner, PipelineStage } from '../../storage-drivers/common/command-runner.js';

/** A fake runner that records every command and runs none: proof that validation came first. */
export class RecordingRunner implements CommandRunner {
  readonly calls: string[] = [];

  run(command: string, args: readonly string[]): Promise<CommandResult> {
    this.calls.push([command, ...args].join(' '));
    return Promise.resolve({ stdout: '', stderr: '' });
  }

  pipeline(stages: readonly PipelineStage[]): Promise<CommandResult> {
    this.calls.push(stages.map((s) => [s.command, ...s.args].join(' ')).join(' | '));
    return Promise.resolve({ stdout: '', stderr: '' });
  }
}
