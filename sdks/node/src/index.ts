export { TrackingClient, type CloseOptions, type FlushSummary, type TrackingClientOptions } from './tracking.client';
export {
  GATEWAY_ERROR_CODES,
  TrackingBulkError,
  TrackingError,
  type BulkEventOutcome,
  type BulkFailure,
  type ClientErrorCode,
  type FieldErrorDetail,
  type GatewayErrorCode,
  type TrackingErrorCode,
} from './tracking.errors';
export type { ConsentState, PageViewInput, TrackEventInput, TrackResult, WireEvent } from './tracking-event';
export type { FetchLike, FetchResponseLike } from './http.transport';
export { SDK_NAME, SDK_VERSION } from './version';
