import { LONGEST_PERSONAL_DATA_MS, TOPICS, TOPIC_DECLARATIONS, longestKeptMs } from './topics';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('topic declarations and GDPR (issue 20)', () => {
  it('keeps no record naming a person longer than a month: retention plus segment roll', () => {
    const personal = TOPIC_DECLARATIONS.filter((declaration) => declaration.personalData);
    expect(personal.map((declaration) => declaration.name).sort()).toEqual(
      [
        TOPICS.trackingEvents,
        TOPICS.trackingEventsRejected,
        TOPICS.automationTriggers,
        TOPICS.vaultLoaderDeadLetter,
        TOPICS.automationTriggerDeadLetter,
        TOPICS.exporterDeadLetter,
      ].sort(),
    );
    for (const declaration of personal) {
      expect(declaration.segmentMs).toBeDefined();
      expect(longestKeptMs(declaration)).toBeLessThanOrEqual(LONGEST_PERSONAL_DATA_MS);
    }
    expect(LONGEST_PERSONAL_DATA_MS).toBeLessThanOrEqual(30 * DAY_MS);
  });

  it('counts the broker default roll of 7 days when a topic sets no segment.ms, and forever for compacted topics', () => {
    expect(longestKeptMs({ retentionMs: DAY_MS, cleanupPolicy: 'delete' })).toBe(8 * DAY_MS);
    expect(longestKeptMs({ retentionMs: -1, cleanupPolicy: 'compact' })).toBe(Number.POSITIVE_INFINITY);
  });
});
