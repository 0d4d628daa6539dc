/**
 * The platform's error hierarchy, in the manner of KafkaJS: `retriable` says whether the same work can
 * succeed later (a server that did not answer) or never will (a record that cannot be read). Consumers
 * choose between retrying a batch and dead-lettering a record from this property alone.
 */
export abstract class TrackingError extends Error {
  abstract readonly retriable: boolean;
}

/** This record can never be processed, however often it is tried: it is dead-lettered and the rest goes on. */
export class RecordRejectedError extends TrackingError {
  override readonly name: string = 'RecordRejectedError';
  readonly retriable = false;
}

/** A server the work needs (database, registry, bucket, broker) did not answer: the same work can succeed later. */
export class DependencyUnavailableError extends TrackingError {
  override readonly name: string = 'DependencyUnavailableError';
  readonly retriable = true;
}

/** Whether trying the same work again can help: only errors that say so (KafkaJS's convention). */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}
