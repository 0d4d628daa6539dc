import pino from 'pino';
import { TOPICS } from '@tracking/contracts';
import { ErasureList } from '@tracking/privacy';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { STACK_HINT } from '../inspect/connection-errors';

const READ_TIMEOUT_MS = 30_000;

/**
 * The platform's erasure list, read whole before a command reads or writes any event: backfill and
 * tail leave erased subjects out (issue 20). Refuses to go on without it rather than publish or
 * print an erased person.
 */
export async function loadErasureList(context: CliContext): Promise<ErasureList> {
  const list = new ErasureList(context.kafka(), context.registry(), pino({ level: 'silent' }), { readerName: 'tracking-cli', maxWaitMs: 200 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      list.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not read within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    await list.stop().catch(() => undefined);
    throw new CliError(
      `cannot read the erasure list (${TOPICS.privacyErasures}) from ${context.brokers.join(',')}: ${(error as Error).message}`,
      `${STACK_HINT}. Nothing was read or published: erased subjects must be left out.`,
    );
  } finally {
    clearTimeout(timer);
  }
  return list;
}
