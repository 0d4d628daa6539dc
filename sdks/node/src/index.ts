export { TrackingClient, SDK_VERSION, type CloseOptions, type FlushSummary, type TrackingClientOptions } from './tracking.client';
export {
  TrackingBulkError,
  TrackingError,
  type BulkEventOutcome,
  type BulkFailure,
  type ClientErrorCode,
  type FieldErrorDetail,
  type GatewayErrorCode,
  type TrackingErrorCode,
} from './tracking.errors';
export type { PageViewInput, TrackEventInput, TrackResult, WireEvent } from './tracking-event';
export type { FetchLike, FetchResponseLike } from './http.transport';
