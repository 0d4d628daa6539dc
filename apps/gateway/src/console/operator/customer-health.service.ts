import { Injectable } from '@nestjs/common';
import { CustomerRegistry } from '../../customers/customer.registry';
import { EMPTY_REQUEST_HEALTH, RequestHealthService, type RequestHealthSummary } from '../../gateway-health/request-health.service';
import { eventCounts, lastProcessed } from '../../reporting/pipeline.queries';
import { TenantReadRepository } from '../../reporting/tenant-read.repository';
import { eventsPerMinute } from '../console.queries';
import { judgeCustomer, type CustomerHealthFigures, type CustomerState } from './customer-health';

const HOUR = 60;
const PARALLEL_READS = 4;

export interface CustomerHealthRow extends CustomerHealthFigures {
  customer_id: string;
  name: string;
  events_last_24_hours: number;
  events_last_7_days: number;
  events_total: number;
  /** Events per minute of the last hour (accepted + rejected), oldest first: the list's sparkline. */
  events_per_minute: number[];
  state: CustomerState;
  reason: string;
}

/**
 * The operators' list (issue 21, page 9): every customer with its volume and health. Vault figures
 * are read through each tenant's own row-level-security scope; the gateway's request health comes
 * from every instance's minutes (one query for all tenants).
 */
@Injectable()
export class CustomerHealthService {
  constructor(
    private readonly customers: CustomerRegistry,
    private readonly reader: TenantReadRepository,
    private readonly requests: RequestHealthService,
  ) {}

  async list(): Promise<CustomerHealthRow[]> {
    const gateway = await this.requests.byCustomer(HOUR);
    const customers = [...this.customers.all()].sort((a, b) => a.customerId.localeCompare(b.customerId));
    const rows: CustomerHealthRow[] = new Array(customers.length);
    // A few tenants at a time: each read is a transaction of its own (its own RLS scope), so a
    // platform of many customers answers in a fraction of one-after-another without taking the pool.
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < customers.length; index = next++) {
        const customer = customers[index]!;
        rows[index] = await this.row(customer.customerId, customer.name, customer.tenantHk, gateway.get(customer.customerId) ?? EMPTY_REQUEST_HEALTH);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, customers.length) }, worker));
    return rows;
  }

  private async row(customerId: string, name: string, tenantHkHex: string, gateway: RequestHealthSummary): Promise<CustomerHealthRow> {
    const tenantHk = Buffer.from(tenantHkHex, 'hex');
    const vault = await this.reader.read(tenantHkHex, async (read) => ({
      counts: await eventCounts(read, tenantHk),
      minutes: await eventsPerMinute(read, tenantHk, HOUR),
      last: await lastProcessed(read, tenantHk),
    }));
    const accepted = vault.minutes.reduce((sum, minute) => sum + minute.accepted, 0);
    const rejected = vault.minutes.reduce((sum, minute) => sum + minute.rejected, 0);
    const figures: CustomerHealthFigures = {
      events_last_hour: accepted + rejected,
      accepted_last_hour: accepted,
      rejected_last_hour: rejected,
      last_event_at: vault.last.latest_event_received_at,
      gateway,
    };
    return {
      customer_id: customerId,
      name,
      events_last_24_hours: vault.counts.last_24_hours,
      events_last_7_days: vault.counts.last_7_days,
      events_total: vault.counts.total,
      ...figures,
      events_per_minute: vault.minutes.map((minute) => minute.accepted + minute.rejected),
      ...judgeCustomer(figures),
    };
  }
}
