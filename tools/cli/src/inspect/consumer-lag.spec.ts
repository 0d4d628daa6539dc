import { CONSUMER_GROUPS } from '@tracking/contracts';
import { lagTargets, partitionLag } from './consumer-lag';

describe(partitionLag.name, () => {
  it('is the distance from the committed offset to the end', () => {
    expect(partitionLag(40, 0, 50)).toBe(10);
    expect(partitionLag(50, 0, 50)).toBe(0);
  });

  it('counts everything still held when the group never committed or retention deleted past its offset', () => {
    expect(partitionLag(null, 20, 50)).toBe(30);
    expect(partitionLag(5, 20, 50)).toBe(30);
  });
});

describe(lagTargets.name, () => {
  it('lists the three service groups with their subscriptions by default', () => {
    expect(lagTargets().map((target) => target.group)).toEqual(Object.values(CONSUMER_GROUPS));
    expect(lagTargets()[0].topics).toEqual(['tracking.events.v1', 'tracking.audit.v1', 'tracking.events.rejected.v1']);
  });

  it('finds a service by group id or key, and takes any other id as a plain group', () => {
    expect(lagTargets('vault-loader')).toEqual([expect.objectContaining({ group: 'vault-loader', service: 'vaultLoader' })]);
    expect(lagTargets('exporter')).toEqual([expect.objectContaining({ service: 'exporter' })]);
    expect(lagTargets('automationTrigger')).toEqual([expect.objectContaining({ group: 'automation-trigger' })]);
    expect(lagTargets('replay-123')).toEqual([{ group: 'replay-123', service: null }]);
  });
});
