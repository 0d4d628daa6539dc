/** The browser SDK as an ES module: `import { createTracker } from '.../index.js'`. */
export { Tracker, createTracker, CONSENT_EVENT, CONSENT_KEY, type CustomEventInput } from './tracker';
export { VISITOR_KEY, SESSION_KEY } from './identity';
export type { BehaviourFeature, ConsentState, JsonValue, Properties, StorageKind, TrackerOptions, WireEvent } from './types';
