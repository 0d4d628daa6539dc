import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { registerBackfill } from './backfill.command';
import { registerCustomers } from './customers.command';
import { registerLag } from './lag.command';
import { registerReplay } from './replay.command';
import { registerSchemas } from './schemas.command';
import { registerTail } from './tail.command';
import { registerTopics } from './topics.command';

export type RegisterCommand = (program: Command, context: () => CliContext) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerTopics, registerLag, registerReplay, registerBackfill, registerTail, registerSchemas, registerCustomers];
