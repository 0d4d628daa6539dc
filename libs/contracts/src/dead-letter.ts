/**
 * Headers of a record on a consumer's dead-letter topic: why it was parked, and where the original
 * record was (for records copied from an input topic) or how often delivery was tried (for triggers).
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq_reason',
  sourceTopic: 'dlq_source_topic',
  sourcePartition: 'dlq_source_partition',
  sourceOffset: 'dlq_source_offset',
  attempts: 'dlq_attempts',
} as const;
