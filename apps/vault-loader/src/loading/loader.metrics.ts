import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@tracking/observability';

@Injectable()
export class LoaderMetrics {
  readonly rowsInserted: Counter<'table'>;
  readonly duplicatesSkipped: Counter;
  readonly batchSeconds: Histogram<'topic'>;
  readonly batchesPerTransaction: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.rowsInserted = new Counter({
      name: 'vault_loader_rows_inserted_total',
      help: 'Rows inserted, by table',
      labelNames: ['table'],
      registers: [registry],
    });
    this.duplicatesSkipped = new Counter({
      name: 'vault_loader_duplicates_skipped_total',
      help: 'Records already loaded (replays, duplicates)',
      registers: [registry],
    });
    this.batchSeconds = new Histogram({
      name: 'vault_loader_batch_seconds',
      help: 'Time to load one batch, decode to commit (the wait for a transaction to share included), by topic',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.batchesPerTransaction = new Histogram({
      name: 'vault_loader_batches_per_transaction',
      help: 'Kafka batches (of one partition each) loaded together in one transaction',
      buckets: [1, 2, 3, 4, 6, 8, 12, 16],
      registers: [registry],
    });
  }
}
