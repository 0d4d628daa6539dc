import { Inject, Injectable } from '@nestjs/common';
import type { ServiceAdmin } from '@tracking/config';
import { API_ERROR_CODES, type ApiErrorCode } from '@tracking/contracts';
import { ApiError } from '@tracking/http';
import type { FieldError } from '@tracking/ingestion';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/** The services whose admin APIs stand behind the gateway's tenant-scoped self-service routes. */
export type AdminService = 'exporter' | 'automationTrigger' | 'vaultLoader';

const VARIABLES: Record<AdminService, string> = {
  exporter: 'EXPORTER_URL',
  automationTrigger: 'AUTOMATION_TRIGGER_URL',
  vaultLoader: 'VAULT_LOADER_URL',
};

const DEFAULT_TIMEOUT_MS = 30_000;

/** A service's answer as it gave it: status and JSON body (undefined when it sent none). */
export interface ServiceAnswer<T = unknown> {
  status: number;
  body: T | undefined;
}

export interface ServiceCall {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Extra request headers (e.g. X-Applied-By, who a change is recorded as made by). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Calls another service's admin API with the operators' token. The self-service routes decide the
 * customer from the caller's own credentials and put it in the path or query here, so a tenant can
 * never name another through this client. A service that is not configured or does not answer is a
 * 503 that says which and why; whatever it answered (including its 4xx) is handed back unchanged
 * for the route to pass on or reshape.
 */
@Injectable()
export class ServiceAdminClient {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'exporterAdmin' | 'automationTriggerAdmin' | 'vaultLoaderAdmin'>) {}

  configured(service: AdminService): boolean {
    return this.admin(service) !== undefined;
  }

  async call<T = unknown>(service: AdminService, path: string, options: ServiceCall = {}): Promise<ServiceAnswer<T>> {
    const admin = this.admin(service);
    if (!admin) {
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', `The gateway is not configured to reach the ${service} (${VARIABLES[service]} and TRACKING_ADMIN_TOKEN)`);
    }
    const url = new URL(`${admin.url}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { ...options.headers, authorization: `Bearer ${admin.token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ApiError(503, 'SERVICE_UNAVAILABLE', `The ${service} did not answer: ${(error as Error).message}`);
    }
    const text = await response.text();
    let body: T | undefined;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as T);
    } catch {
      throw new ApiError(502, 'SERVICE_UNAVAILABLE', `The ${service} answered ${response.status} with a body that is not JSON`);
    }
    return { status: response.status, body };
  }

  /** Like call(), but any answer other than 2xx becomes the same error for the caller (4xx kept, 5xx as 503). */
  async expect<T = unknown>(service: AdminService, path: string, options: ServiceCall = {}): Promise<T> {
    const answer = await this.call<T>(service, path, options);
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    throw this.refusal(service, answer);
  }

  /** The error expect() throws for an answer other than 2xx: its 4xx kept (code, message, details), a 5xx as 503. */
  refusal(service: AdminService, answer: ServiceAnswer): ApiError {
    const error = (answer.body ?? {}) as { error_code?: unknown; error?: unknown; details?: unknown };
    const message = typeof error.error === 'string' ? error.error : `The ${service} answered ${answer.status}`;
    if (answer.status >= 400 && answer.status < 500) {
      const code = (API_ERROR_CODES as readonly unknown[]).includes(error.error_code) ? (error.error_code as ApiErrorCode) : 'INVALID_REQUEST';
      return new ApiError(answer.status, code, message, Array.isArray(error.details) ? (error.details as FieldError[]) : undefined);
    }
    return new ApiError(503, 'SERVICE_UNAVAILABLE', `The ${service} answered ${answer.status}: ${message}`);
  }

  private admin(service: AdminService): ServiceAdmin | undefined {
    if (service === 'exporter') return this.config.exporterAdmin;
    return service === 'automationTrigger' ? this.config.automationTriggerAdmin : this.config.vaultLoaderAdmin;
  }
}
