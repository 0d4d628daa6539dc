import { SEED_000_BULK, SEED_000_EVENTS } from '@test/fixtures/seed-000-examples';
import { DEFAULT_INGESTION_LIMITS } from './ingestion-limits';
import { validateTrackRequest } from './track-request.validator';

const NOW = Date.parse('2024-12-28T10:30:00Z');
const validate = (body: unknown) => validateTrackRequest(body, DEFAULT_INGESTION_LIMITS, NOW);
const fieldsOf = (body: unknown): string[] => {
  const result = validate(body);
  return result.ok ? [] : result.errors.map((error) => error.field);
};

describe(validateTrackRequest.name, () => {
  describe('the seed 000 examples', () => {
    it.each(Object.entries(SEED_000_EVENTS))('accepts %s', (_, body) => {
      expect(validate(body)).toMatchObject({ ok: true });
    });

    it.each(SEED_000_BULK.events.map((event, index) => [index, event] as const))('accepts bulk event %i', (_, body) => {
      expect(validate(body)).toMatchObject({ ok: true });
    });

    it('lifts identifiers from event_data when they are not at the top level', () => {
      const result = validate(SEED_000_EVENTS.healthcareAppointment);
      expect(result.ok && result.value).toMatchObject({
        sessionId: 'sess_patient_portal_789',
        userId: 'patient_hashed_abc123',
        locationId: 'clinic_north_branch',
      });
    });
  });

  describe('the sending library', () => {
    it('keeps the SDK name and version the event names', () => {
      const result = validate({ event_type: 'signup', library_name: '@tracking-platform/node', library_version: '1.0.0-rc.1' });
      expect(result.ok && result.value).toMatchObject({ libraryName: '@tracking-platform/node', libraryVersion: '1.0.0-rc.1' });
    });

    it('leaves them null for a client that does not say', () => {
      const result = validate({ event_type: 'signup' });
      expect(result.ok && result.value).toMatchObject({ libraryName: null, libraryVersion: null });
    });

    it('refuses one too long, empty or with control characters', () => {
      expect(fieldsOf({ event_type: 'signup', library_name: 'x'.repeat(215), library_version: '1'.repeat(65) })).toEqual(['library_name', 'library_version']);
      expect(fieldsOf({ event_type: 'signup', library_name: '', library_version: '1.0\n' })).toEqual(['library_name', 'library_version']);
      expect(fieldsOf({ event_type: 'signup', library_name: 7 })).toEqual(['library_name']);
    });
  });

  describe('when the body is not an event', () => {
    it.each([[null], [[]], ['page_view'], [42]])('refuses %j as a whole', (body) => {
      expect(fieldsOf(body)).toEqual(['(body)']);
    });
  });

  describe('when fields are wrong', () => {
    it('requires event_type', () => {
      expect(fieldsOf({ page_url: 'https://a.example/' })).toEqual(['event_type']);
    });

    it('names unknown top-level fields', () => {
      expect(fieldsOf({ event_type: 'page_view', pageUrl: 'x' })).toEqual(['pageUrl']);
    });

    it('refuses relative and non-http URLs', () => {
      expect(fieldsOf({ event_type: 'page_view', page_url: '/relative' })).toEqual(['page_url']);
      expect(fieldsOf({ event_type: 'page_view', page_url: 'javascript:alert(1)' })).toEqual(['page_url']);
    });

    it('refuses prototype-polluting keys at any depth, naming the path', () => {
      const body = JSON.parse('{"event_type":"x","event_data":{"a":[{"__proto__":{"admin":true}}],"constructor":{}}}');
      expect(fieldsOf(body)).toEqual(['event_data.a[0].__proto__', 'event_data.constructor']);
    });

    it('refuses NUL characters, which no database downstream can store, and control characters in ids', () => {
      expect(fieldsOf({ event_type: 'x', event_data: { note: 'a\u0000b' } })).toEqual(['event_data.note']);
      expect(fieldsOf({ event_type: 'x', session_id: 'a\nb' })).toEqual(['session_id']);
    });

    it('refuses event_data larger than the limit', () => {
      expect(fieldsOf({ event_type: 'x', event_data: { blob: 'a'.repeat(16 * 1024) } })).toEqual(['event_data']);
    });

    it('refuses nesting deeper than the limit', () => {
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 20; i++) deep = { d: deep };
      expect(fieldsOf({ event_type: 'x', event_data: deep })[0]).toMatch(/^event_data(\.d)+$/);
    });

    it('refuses nesting thousands of levels deep without overflowing the stack (hostile-input drill)', () => {
      const deep = JSON.parse(`${'{"d":'.repeat(20_000)}1${'}'.repeat(20_000)}`) as unknown;
      expect(fieldsOf({ event_type: 'x', event_data: { deep } })[0]).toMatch(/^event_data\.deep(\.d)+$/);
      expect(fieldsOf({ event_type: 'x', event_data: { list: JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) as unknown } })[0]).toMatch(/^event_data\.list(\[0\])+$/);
    });

    it('refuses occurred_at that is not RFC 3339 or outside the window', () => {
      expect(fieldsOf({ event_type: 'x', occurred_at: '28/12/2024' })).toEqual(['occurred_at']);
      expect(fieldsOf({ event_type: 'x', occurred_at: '2024-12-28T11:30:00Z' })).toEqual(['occurred_at']);
      expect(fieldsOf({ event_type: 'x', occurred_at: '2024-11-01T10:30:00Z' })).toEqual(['occurred_at']);
    });

    it('judges occurred_at after correcting the client clock with sent_at', () => {
      const clientClockAnHourAhead = { event_type: 'x', occurred_at: '2024-12-28T11:29:59Z', sent_at: '2024-12-28T11:30:00Z' };
      expect(validate(clientClockAnHourAhead)).toMatchObject({ ok: true });
    });

    it('refuses an alias sent together with its field', () => {
      expect(fieldsOf({ event_type: 'x', page_url: 'https://a.example/', url: 'https://b.example/' })).toEqual(['url']);
    });

    it('reports every problem at once', () => {
      expect(fieldsOf({ event_type: 7, session_id: 5, consent_state: 'maybe', event_id: 'a b' })).toEqual([
        'event_type',
        'event_id',
        'consent_state',
        'session_id',
      ]);
    });
  });
});
