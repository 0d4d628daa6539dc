/** The customer whose events the producer baselines and the gateway measurements send. */
export const BENCH_CUSTOMER = 'bench_shop';
