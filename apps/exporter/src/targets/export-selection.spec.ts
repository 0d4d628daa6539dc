import type { TrackingEvent } from '@tracking/contracts';
import { selectForExport } from './export-selection';

const pageView = { event_id: 'e1', event_type: 'page_view', page_url: 'https://shop.example/p' } as TrackingEvent;
const signup = { event_id: 'e2', event_type: 'signup', page_url: null } as TrackingEvent;

describe(selectForExport.name, () => {
  it('keeps every record when include_event_types is not set', () => {
    expect(selectForExport({}, pageView)?.event).toBe(pageView);
    expect(selectForExport({}, signup)?.event).toBe(signup);
  });

  it('leaves out the records of other event types, compared exactly', () => {
    const sut = { includeEventTypes: new Set(['signup']) };
    expect(selectForExport(sut, pageView)).toBeUndefined();
    expect(selectForExport(sut, signup)?.event).toBe(signup);
    expect(selectForExport({ includeEventTypes: new Set(['Signup']) }, signup)).toBeUndefined();
  });
});
