import { Injectable } from '@nestjs/common';
import { CustomerRegistry } from '../../customers/customer.registry';
import { EMPTY_REQUEST_HEALTH, RequestHealthService } from '../../gateway-health/request-health.service';
import { eventCounts, lastProcessed } from '../../reporting/pipeline.queries';
import { TenantReadRepository } from '../../reporting/tenant-read.repository';
import { eventsPerMinute } from '../console.queries';
import { judgeCustomer, type CustomerHealthFigures, type CustomerState } from './customer-health';

const HOUR = 60;

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
    const rows: CustomerHealthRow[] = [];
    for (const customer of [...this.customers.all()].sort((a, b) => a.customerId.localeCompare(b.customerId))) {
      const tenantHk = Buffer.from(customer.tenantHk, 'hex');
      const vault = await this.reader.read(customer.tenantHk, async (read) => ({
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
        gateway: gateway.get(customer.customerId) ?? EMPTY_REQUEST_HEALTH,
      };
      rows.push({
        customer_id: customer.customerId,
        name: customer.name,
        events_last_24_hours: vault.counts.last_24_hours,
        events_last_7_days: vault.counts.last_7_days,
        events_total: vault.counts.total,
        ...figures,
        events_per_minute: vault.minutes.map((minute) => minute.accepted + minute.rejected),
        ...judgeCustomer(figures),
      });
    }
    return rows;
  }
}
