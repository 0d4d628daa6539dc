import { stackDown } from './stack-commands';

/** Stops only what the setup started: a stack that was already up (npm start, CI) stays up. */
export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __stackStarted?: string[] }).__stackStarted ?? [];
  if (started.length > 0) await stackDown(started);
}
