export * from './batch-consumer';
export * from './kafka-client.factory';
export * from './kafka-publisher';
export * from './schema-registry.adapter';
export * from './topic-provisioner';
export * from './tracking-event.publisher';
export * from './kafka-cluster.probe';
