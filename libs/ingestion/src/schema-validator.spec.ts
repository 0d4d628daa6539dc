import { Type } from '@sinclair/typebox';
import { REASON_KEYWORD, schemaValidator } from './schema-validator';
import { BulkTrackSchema, TrackEventSchema } from './track-event.schema';

describe(schemaValidator.name, () => {
  const schema = Type.Object(
    {
      customer_id: Type.String({ pattern: '^[a-z]+$', [REASON_KEYWORD]: 'must be a customer id' }),
      items: Type.Optional(Type.Array(Type.Object({ price: Type.Integer({ minimum: 0 }) }))),
      note: Type.Optional(Type.String({ maxLength: 3 })),
    },
    { additionalProperties: false },
  );

  it('compiles a schema once', () => {
    expect(schemaValidator(schema)).toBe(schemaValidator(schema));
    expect(schemaValidator(schema).schema).toBe(schema);
  });

  it('names each bad field by its path, with the reason the schema gives or one of its own', () => {
    expect(schemaValidator(schema).check({ customer_id: 'A', items: [{ price: 1 }, { price: -1 }], note: 'long' })).toEqual([
      { field: 'customer_id', reason: 'must be a customer id' },
      { field: 'items[1].price', reason: 'must be at least 0' },
      { field: 'note', reason: 'must be at most 3 characters' },
    ]);
  });

  it('lists unknown fields first and missing ones by name, and calls the root (body)', () => {
    expect(schemaValidator(schema).check({ nope: 1 })).toEqual([
      { field: 'nope', reason: 'is not a known field (known: customer_id, items, note)' },
      { field: 'customer_id', reason: 'is required' },
    ]);
    expect(schemaValidator(schema).check([])).toEqual([{ field: '(body)', reason: 'must be a JSON object' }]);
  });

  it('prefixes the paths of an event of a bulk', () => {
    expect(schemaValidator(TrackEventSchema).check({ event_type: 'x', session_id: ' ' }, 'events[4].')).toEqual([
      { field: 'events[4].session_id', reason: 'must be a non-empty string' },
    ]);
  });

  it('judges a bulk envelope as the seed does: unknown fields, then the missing list', () => {
    expect(schemaValidator(BulkTrackSchema).check({ batch_id: 'b1', event: [] }).map((error) => error.field)).toEqual(['event', 'events']);
    expect(schemaValidator(BulkTrackSchema).check({ events: [] })).toEqual([{ field: 'events', reason: 'must hold at least one event' }]);
  });
});
