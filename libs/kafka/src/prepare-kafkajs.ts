import { registerCompressionCodecs } from './compression-codecs';
import { stopIdleRequestQueuePolling } from './request-queue-idle-timer';

/**
 * What a process needs before its first kafkajs client: the codecs kafkajs lacks and the fix of its
 * idle timer. Both change kafkajs for the whole process, once; every place that creates a client
 * calls this, so calling it again is free.
 */
export function prepareKafkajs(): void {
  registerCompressionCodecs();
  stopIdleRequestQueuePolling();
}
