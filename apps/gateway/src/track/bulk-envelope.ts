import type { TSchema } from '@sinclair/typebox';
import { BulkTrackSchema, schemaValidator } from '@tracking/ingestion';
import { ApiError } from '@tracking/http';

export interface BulkEnvelope {
  batchId: string | null;
  events: unknown[];
}

/**
 * BulkTrackSchema, the schema the document shows, without what it says of each event (`items`):
 * the ingestion pipeline checks every event against the same event schema anyway, so checking them
 * here too was a second pass over every event for errors this check then dropped.
 */
const BulkEnvelopeSchema: TSchema = {
  ...BulkTrackSchema,
  properties: { ...BulkTrackSchema.properties, events: { ...BulkTrackSchema.properties.events, items: {} } },
};

/** The check of the envelope alone. */
export const bulkEnvelopeValidator = schemaValidator(BulkEnvelopeSchema);

/**
 * `{ batch_id?, events[] }` (seed 000), checked against BulkTrackSchema, the schema the document
 * shows. The envelope is all or nothing; what the schema says of each event is left to the
 * ingestion pipeline, which judges every event on its own against the same event schema.
 */
export function parseBulkEnvelope(body: unknown, maxEvents: number): BulkEnvelope {
  const errors = bulkEnvelopeValidator.check(body);
  if (errors.length > 0) throw ApiError.invalid(errors);
  const { batch_id: batchId, events } = body as { batch_id?: string | null; events: unknown[] };
  if (events.length > maxEvents) {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `A bulk request holds at most ${maxEvents} events; this one has ${events.length}`);
  }
  return { batchId: batchId ?? null, events };
}
