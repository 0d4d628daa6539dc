import type { Admin } from 'kafkajs';
import type { CliContext } from '../cli-context';
import { explainKafkaFailure } from './connection-errors';

/** Runs `work` with a connected admin client, always disconnecting, and explains an unreachable cluster. */
export async function withAdmin<T>(context: CliContext, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = context.kafka().admin();
  try {
    await admin.connect();
    return await work(admin);
  } catch (error) {
    throw explainKafkaFailure(error, context.brokers);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Every topic of the cluster except Kafka's own (`__consumer_offsets`, ...), sorted. */
export async function listUserTopics(admin: Admin): Promise<string[]> {
  return (await admin.listTopics()).filter((topic) => !topic.startsWith('__')).sort();
}
