import { TOPICS, type TopicDeclaration } from '@tracking/contracts';
import { declarationMismatches, type ObservedTopic } from './topic-describer';

describe(declarationMismatches.name, () => {
  const declaration: TopicDeclaration = { name: TOPICS.trackingEvents, partitions: 6, retentionMs: 1000, cleanupPolicy: 'delete', valueSchemaFile: 'x.avsc' };
  const schema = { subject: 'tracking.events.v1-value', file: 'x.avsc', latestVersion: 2, latestId: 9, matchesFile: true };
  const observed = (overrides: Partial<ObservedTopic> = {}): ObservedTopic => ({
    exists: true,
    partitions: 6,
    retentionMs: 1000,
    cleanupPolicy: 'delete',
    valueSchema: schema,
    ...overrides,
  });

  it('finds nothing when the topic is as declared', () => {
    expect(declarationMismatches(declaration, observed())).toEqual([]);
  });

  it('flags a missing topic and an undeclared one', () => {
    expect(declarationMismatches(declaration, observed({ exists: false }))).toEqual([expect.stringMatching(/^missing: `tracking topics ensure`/)]);
    expect(declarationMismatches(undefined, observed())).toEqual([expect.stringMatching(/not declared/)]);
  });

  it('flags partitions, retention and cleanup policy, saying what to do', () => {
    const sut = declarationMismatches(declaration, observed({ partitions: 3, retentionMs: -1, cleanupPolicy: 'compact' }));
    expect(sut).toEqual([
      'partitions 3, declared 6: `tracking topics ensure` adds the missing ones',
      'retention.ms -1, declared 1000: `tracking topics ensure` sets it',
      'cleanup.policy compact, declared delete: `tracking topics ensure` sets it',
    ]);
    expect(declarationMismatches(declaration, observed({ partitions: 8 }))).toEqual([expect.stringMatching(/cannot shrink/)]);
  });

  it('flags a segment.ms other than the declared one (a record outlives retention by up to a segment), and ignores it when undeclared', () => {
    const rolled: TopicDeclaration = { ...declaration, segmentMs: 86_400_000 };
    expect(declarationMismatches(rolled, observed({ segmentMs: 86_400_000 }))).toEqual([]);
    expect(declarationMismatches(rolled, observed({ segmentMs: 604_800_000 }))).toEqual([expect.stringMatching(/^segment\.ms 604800000, declared 86400000: `tracking topics ensure` sets it/)]);
    expect(declarationMismatches(declaration, observed({ segmentMs: 604_800_000 }))).toEqual([]);
  });

  it('flags a replication factor or min.insync.replicas that differs from a declared one, and ignores them when undeclared', () => {
    const replicated: TopicDeclaration = { ...declaration, replicationFactor: 3, minInsyncReplicas: 2 };
    expect(declarationMismatches(replicated, observed({ replicationFactor: 3, minInsyncReplicas: 2 }))).toEqual([]);
    expect(declarationMismatches(replicated, observed({ replicationFactor: 1, minInsyncReplicas: 1 }))).toEqual([
      expect.stringMatching(/^replication factor 1, declared 3: reassign/),
      'min.insync.replicas 1, declared 2: `tracking topics ensure` sets it',
    ]);
    expect(declarationMismatches(declaration, observed({ replicationFactor: 1, minInsyncReplicas: 1 }))).toEqual([]);
  });

  it('flags a value schema that is not registered or differs from its file', () => {
    expect(declarationMismatches(declaration, observed({ valueSchema: { ...schema, latestVersion: null, latestId: null, matchesFile: null } }))).toEqual([
      expect.stringMatching(/not registered under tracking.events.v1-value/),
    ]);
    expect(declarationMismatches(declaration, observed({ valueSchema: { ...schema, matchesFile: false } }))).toEqual([expect.stringMatching(/tracking schemas diff/)]);
  });
});
