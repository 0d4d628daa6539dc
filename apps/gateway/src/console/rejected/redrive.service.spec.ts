import { CLIENT_EVENT_ID_PATTERN, redriveEventId } from '@tracking/contracts';
import { redriveIdOf } from './redrive.service';

describe(redriveIdOf.name, () => {
  const id = '0b6f8c3e-4a52-4d0c-9d86-2a1b3f3e7c10';

  it("keeps the refused payload's own event id", () => {
    expect(redriveIdOf({ id, event_id: 'order-17', errors: [{ field: 'page_url', reason: 'x' }] })).toBe('order-17');
  });

  it('derives one from the rejection id when there was none, or when the id itself was refused', () => {
    expect(redriveIdOf({ id, event_id: null, errors: [] })).toBe(redriveEventId(id));
    expect(redriveIdOf({ id, event_id: 'order-17', errors: [{ field: 'events[2].event_id', reason: 'x' }] })).toBe(redriveEventId(id));
  });

  it('derives the same, well-formed id every time and a different one per rejection', () => {
    expect(redriveEventId(id)).toBe(redriveEventId(id));
    expect(redriveEventId(id)).toMatch(CLIENT_EVENT_ID_PATTERN);
    expect(redriveEventId(id)).not.toBe(redriveEventId('another'));
  });
});
