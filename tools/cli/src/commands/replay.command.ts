import type { Command } from 'commander';
import type { CliContext } from '../cli-context';

export function registerReplay(program: Command, context: () => CliContext): void {
  void program;
  void context;
}
