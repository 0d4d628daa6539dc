import type { Command } from 'commander';
import type { CliContext } from '../cli-context';

export function registerSchemas(program: Command, context: () => CliContext): void {
  void program;
  void context;
}
