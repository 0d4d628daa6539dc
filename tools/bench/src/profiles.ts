/** How much each measurement does: `--quick` gives the shape in under two minutes, the full run the figures. */
export interface BenchProfile {
  name: 'quick' | 'full';
  /** Records of the raw producer baselines and of the broker's own perf test. */
  producerRecords: number;
  /** Seconds of each HTTP load run (autocannon). */
  httpSeconds: number;
  /** Events loaded, exported and evaluated by the consumer measurements. */
  consumerEvents: number;
  /** Events of the replay into an empty vault. */
  replayEvents: number;
  /** Seconds of the steady end-to-end latency run. */
  latencySeconds: number;
  /** Seconds of the memory soak of all four services. */
  soakSeconds: number;
}

export const PROFILES: Record<BenchProfile['name'], BenchProfile> = {
  quick: { name: 'quick', producerRecords: 30_000, httpSeconds: 3, consumerEvents: 3_000, replayEvents: 5_000, latencySeconds: 4, soakSeconds: 30 },
  full: { name: 'full', producerRecords: 500_000, httpSeconds: 20, consumerEvents: 50_000, replayEvents: 1_000_000, latencySeconds: 30, soakSeconds: 600 },
};
