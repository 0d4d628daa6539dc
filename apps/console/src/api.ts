/**
 * The console's only door to the gateway: the documented /console/api routes, same origin, the
 * session in an HttpOnly cookie the page never sees. The CSRF token comes back in the session's
 * body and is kept in memory only (nothing secret goes to localStorage); state-changing calls send it
 * as X-CSRF-Token.
 */

export type Role = 'customer' | 'operator';

export interface Session {
  role: Role;
  customer_id?: string;
  scopes: string[];
  csrf_token: string;
}

export type Credentials = { customer_id: string; token: string } | { operator_token: string };

/** One minute of the tenant's traffic. `minute` is its start, in seconds since the epoch. */
export interface MinutePoint {
  minute: number;
  accepted: number;
  rejected: number;
}

/** A consuming service's group: its lag (null when Kafka did not say) and a state read from it. */
export interface ConsumerHealth {
  name: string;
  lag: number | null;
  state: 'caught up' | 'behind' | 'unknown';
}

export interface Overview {
  customer_id: string | null;
  per_minute: MinutePoint[];
  accepted_total: number;
  rejected_total: number;
  consumers: ConsumerHealth[];
}

/** One field the gateway refused, as its `details` name it (e.g. `workflows[0].filters.url`). */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** An answer other than the one asked for, with the gateway's own words and field problems when it gave some. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }
}

const BASE = '/console/api';
let csrfToken: string | null = null;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await refusal(response);
  return response;
}

async function refusal(response: Response): Promise<ApiError> {
  const fallback = response.status === 401 ? 'Those credentials were not accepted.' : `The gateway answered ${response.status}.`;
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown; details?: unknown };
    const text = body.error ?? body.message;
    const details = Array.isArray(body.details)
      ? body.details.filter((item): item is FieldProblem => typeof item === 'object' && item !== null && typeof item.field === 'string' && typeof item.reason === 'string')
      : [];
    return new ApiError(response.status, typeof text === 'string' && text ? text : fallback, details);
  } catch {
    return new ApiError(response.status, fallback);
  }
}

type Query = Record<string, string | number | boolean | undefined>;

/** `?customer_id=…&…`: an operator's picked customer goes with every tenant call (a customer's own session ignores none of it: naming another tenant is refused). */
function queryString(customerId: string | undefined, query: Query = {}): string {
  const params = new URLSearchParams();
  if (customerId) params.set('customer_id', customerId);
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** GET a tenant route under /console/api as JSON. */
export async function getJson<T>(path: string, customerId?: string, query?: Query): Promise<T> {
  return (await (await call('GET', `${path}${queryString(customerId, query)}`)).json()) as T;
}

/** A state-changing call under /console/api (sent with the CSRF token); undefined for a 204. */
export async function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, customerId?: string, query?: Query): Promise<T> {
  const response = await call(method, `${path}${queryString(customerId, query)}`, body);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** The URL of a tenant route (for EventSource and download links, which cannot go through fetch). */
export function routeUrl(path: string, customerId?: string, query?: Query): string {
  return `${BASE}${path}${queryString(customerId, query)}`;
}

function remember(session: Session): Session {
  csrfToken = session.csrf_token;
  return session;
}

export async function signIn(credentials: Credentials): Promise<Session> {
  return remember((await (await call('POST', '/session', credentials)).json()) as Session);
}

/** The current session, or null when the cookie is missing or expired (401). */
export async function currentSession(): Promise<Session | null> {
  try {
    return remember((await (await call('GET', '/session')).json()) as Session);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  try {
    await call('DELETE', '/session');
  } finally {
    csrfToken = null;
  }
}

/** The signed-in tenant's overview; an operator names the customer it reads. */
export async function overview(customerId?: string): Promise<Overview> {
  return normaliseOverview(await getJson('/overview', customerId));
}

export interface CustomerSummary {
  customer_id: string;
  name: string;
  events_last_24_hours: number;
}

/** Operators only: every customer with its volume. */
export async function customers(): Promise<CustomerSummary[]> {
  const body = await getJson<{ customers?: CustomerSummary[] }>('/customers');
  return body.customers ?? [];
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : Number(value) || 0);
const seconds = (value: unknown): number => (typeof value === 'string' ? Math.floor(Date.parse(value) / 1000) : num(value) > 1e11 ? Math.floor(num(value) / 1000) : num(value));

/**
 * Reads the gateway's overview into the page's shape. Kept in one place so the pages do not depend
 * on the wire format's field names, which this slice of the console was written beside, not after.
 */
export function normaliseOverview(raw: unknown): Overview {
  const body = isObject(raw) ? raw : {};
  const series = Array.isArray(body.per_minute) ? body.per_minute : Array.isArray(body.events_per_minute) ? body.events_per_minute : [];
  const per_minute = series.filter(isObject).map((point) => ({
    minute: seconds(point.minute ?? point.at ?? point.time ?? point.t),
    accepted: num(point.accepted),
    rejected: num(point.rejected),
  }));
  per_minute.sort((a, b) => a.minute - b.minute);
  // consumer_lag: { <group>: { group, topics, lag } } (the gateway's shape); consumers: a list.
  const lagMap = isObject(body.consumer_lag) ? Object.entries(body.consumer_lag) : [];
  const consumerList: [string, unknown][] = Array.isArray(body.consumers) ? body.consumers.map((consumer, index) => [String(index), consumer]) : lagMap;
  const consumers = consumerList
    .filter((entry): entry is [string, Loose] => isObject(entry[1]))
    .map(([key, consumer]) => {
      const rawLag = consumer.lag ?? consumer.total_lag;
      const lag = rawLag === null || rawLag === undefined ? null : num(rawLag);
      return { name: String(consumer.group ?? consumer.name ?? key), lag, state: lag === null ? 'unknown' : lag === 0 ? 'caught up' : 'behind' } as ConsumerHealth;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const totals = isObject(body.totals) ? body.totals : body;
  const sum = (key: 'accepted' | 'rejected') => per_minute.reduce((total, point) => total + point[key], 0);
  return {
    customer_id: typeof body.customer_id === 'string' ? body.customer_id : null,
    per_minute,
    accepted_total: totals.accepted_total !== undefined ? num(totals.accepted_total) : totals.accepted !== undefined && !Array.isArray(totals.accepted) ? num(totals.accepted) : sum('accepted'),
    rejected_total: totals.rejected_total !== undefined ? num(totals.rejected_total) : totals.rejected !== undefined && !Array.isArray(totals.rejected) ? num(totals.rejected) : sum('rejected'),
    consumers,
  };
}
