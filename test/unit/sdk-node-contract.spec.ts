import { API_ERROR_CODES } from '@tracking/contracts';
import type { TrackEventRequest } from '@tracking/ingestion';
import type { BulkResponse, TrackResponse } from '@apps/gateway/track/track.responses';
import { GATEWAY_ERROR_CODES, type WireEvent } from '@sdks/node/index';
import type { BulkAnswer, SingleAnswer } from '@sdks/node/http.transport';

/**
 * The Node SDK imports nothing from this repository (it is published on its own), so it keeps its
 * own copy of the gateway's contract. These checks fail when the copy and the platform part ways.
 */

// Compile-time (npm run typecheck): what the SDK sends is a request body the gateway's validator is
// written for, and the answers it reads are the answers the gateway gives. A renamed or retyped field
// stops these lines compiling.
export const requestsConform = (event: WireEvent): TrackEventRequest => event;
export const answersConform: [(answer: TrackResponse) => SingleAnswer, (answer: BulkResponse) => BulkAnswer] = [(answer) => answer, (answer) => answer];

describe('Node SDK against the gateway contract', () => {
  it("knows exactly the gateway's error codes", () => {
    expect([...GATEWAY_ERROR_CODES].sort()).toEqual([...API_ERROR_CODES].sort());
  });
});
