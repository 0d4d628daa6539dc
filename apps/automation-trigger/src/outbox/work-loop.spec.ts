import pino from 'pino';
import { WorkLoop } from './work-loop';

const logger = pino({ level: 'silent' });

describe('WorkLoop', () => {
  it('runs again at once while there is more work, then waits until woken', async () => {
    let calls = 0;
    let backlog = 3;
    const loop = new WorkLoop('test', 60_000, async () => {
      calls++;
      return --backlog > 0;
    }, logger);
    loop.start();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(3);
    backlog = 1;
    loop.wake();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(4);
    await loop.stop();
  });

  it('survives a failing step and stops after the step in progress', async () => {
    let calls = 0;
    const loop = new WorkLoop('test', 1, async () => {
      calls++;
      if (calls === 1) throw new Error('database away');
      return false;
    }, logger);
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await loop.stop();
    const after = calls;
    expect(after).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toBe(after);
  });
});
