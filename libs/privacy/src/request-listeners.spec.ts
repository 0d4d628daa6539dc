import pino from 'pino';
import type { ErasureRequestRecord } from '@tracking/contracts';
import { RequestListeners } from './request-listeners';

const request = (id: string): ErasureRequestRecord => ({ request_id: id, customer_id: 'acme', requested_at: 1, requested_by: 't', visitor_hks: [], user_hks: [] });

describe(RequestListeners.name, () => {
  it('holds requests until the first full read, then hands them on in order, one at a time', async () => {
    const sut = new RequestListeners(pino({ level: 'silent' }));
    const heard: string[] = [];
    let running = 0;
    sut.add(async (entry, { initial }) => {
      running++;
      expect(running).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      heard.push(`${entry.request_id}:${initial}`);
      running--;
    }, []);

    sut.emit([request('early')], false);
    sut.emit([request('a'), request('b')], true, true);
    sut.emit([request('c')], false);
    await sut.idle();

    expect(heard).toEqual(['a:true', 'b:true', 'c:false']);
  });

  it('gives a listener added later every current request as initial, and survives a failing listener', async () => {
    const sut = new RequestListeners(pino({ level: 'silent' }));
    sut.emit([], true, true);
    const heard: string[] = [];
    sut.add(() => {
      throw new Error('boom');
    }, [request('a')]);
    sut.add((entry, { initial }) => void heard.push(`${entry.request_id}:${initial}`), [request('a')]);
    sut.emit([request('b')], false);
    await sut.idle();

    expect(heard).toEqual(['a:true', 'b:false']);
  });
});
