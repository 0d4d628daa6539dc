import type { EventSource, TrackingEvent } from '@tracking/contracts';
import { siteIdFor, undeclaredHostOf, type CustomerConfig } from '@tracking/customers';
import { assessRequest, type SecurityAssessment } from './bot-detection';
import { buildTrackingEvent } from './event-builder';
import type { IngestionLimits } from './ingestion-limits';
import { anonymiseIp } from './ip-anonymiser';
import { scrubPii, type PiiScanResult } from './pii-scanner';
import type { FieldError, ValidTrackRequest } from './track-request';
import { validateTrackRequest } from './track-request.validator';
import { redactUrl } from './url-redaction';
import { truncateUserAgent } from './user-agent';

/** What the transport knows about a request; the raw address is used here and nowhere after. */
export interface RequestFacts {
  receivedAt: number;
  clientIp: string | null;
  userAgent: string | null;
  /** `DNT: 1` or `Sec-GPC: 1`. */
  doNotTrack: boolean;
  source: EventSource;
  batchId: string | null;
  keyId: string | null;
  /**
   * The client's country (ISO 3166-1 alpha-2, upper case) as a trusted edge in front of the
   * gateway stated it (TRACKING_COUNTRY_HEADER); null when it stated none or an unknown one
   * (Cloudflare's XX, T1 for Tor). Only read for customers with geographic restrictions.
   */
  country?: string | null;
}

/** The customer restricts itself to its declared sites and the page's host is none of them. */
export interface SiteRefusal {
  kind: 'undeclared_site';
  host: string;
}

export type DropReason = 'consent_denied' | 'consent_pending' | 'consent_missing' | 'do_not_track' | 'outside_geographic_restrictions';

/** Sources whose events come from a customer's servers, not from a visitor's browser. */
const SERVER_SOURCES: ReadonlySet<EventSource> = new Set(['api', 'bulk', 'async', 'backfill']);

export type IngestionOutcome =
  | { status: 'accepted'; event: TrackingEvent; assessment: SecurityAssessment; pii: PiiScanResult<unknown>['found'] }
  /** `refusal` says the customer's configuration refused a valid event (the gateway answers 403, not 400). */
  | { status: 'rejected'; errors: FieldError[]; refusal?: SiteRefusal }
  /** Valid, but the visitor's choices forbid keeping it: answered as success, published nowhere. */
  | { status: 'dropped'; reason: DropReason; eventType: string };

const MAX_USER_AGENT = 512;

/**
 * One request body to one publishable event: validation, consent and Do Not Track, privacy rules
 * (URL redaction, PII scrubbing, IP and user-agent reduction), enrichment and the event id. The
 * gateway and the backfill command both run exactly this.
 */
export class IngestionPipeline {
  constructor(
    private readonly limits: IngestionLimits,
    /** Key of the HMACs that hash IP addresses and PII for customers who ask for hashing. */
    private readonly hashKey: Buffer,
  ) {}

  process(body: unknown, customer: CustomerConfig, facts: RequestFacts, fieldPrefix = ''): IngestionOutcome {
    const validation = validateTrackRequest(body, this.limits, facts.receivedAt, fieldPrefix);
    if (!validation.ok) return { status: 'rejected', errors: validation.errors };
    const request = validation.value;

    const pageUrl = request.pageUrl?.toString() ?? null;
    const undeclaredHost = undeclaredHostOf(customer, { page_url: pageUrl });
    if (undeclaredHost) {
      const field = `${fieldPrefix}page_url`;
      const reason = `host "${undeclaredHost}" is not a declared site of customer "${customer.customerId}", which restricts tracking to its declared sites (site_discovery: restricted)`;
      return { status: 'rejected', errors: [{ field, reason }], refusal: { kind: 'undeclared_site', host: undeclaredHost } };
    }

    const drop = this.consentDecision(request, customer, facts);
    if (drop) return { status: 'dropped', reason: drop, eventType: request.eventType };

    const { privacy } = customer;
    const redactedNames = new Set(privacy.redactQueryParameters.map((name) => name.toLowerCase()));
    const scrubbed = privacy.piiDetection === 'enabled'
      ? scrubPii(request.eventData, privacy.piiAction === 'hash' ? { mode: 'hash', key: this.hashKey } : { mode: 'redact' })
      : { value: request.eventData, found: {} };
    const safe: ValidTrackRequest = {
      ...request,
      pageUrl: request.pageUrl && redactUrl(request.pageUrl, redactedNames),
      referrer: request.referrer && redactUrl(request.referrer, redactedNames),
      eventData: scrubbed.value,
      eventDataJson: scrubbed.value === request.eventData ? request.eventDataJson : JSON.stringify(scrubbed.value),
    };

    const assessment = assessRequest({
      userAgent: facts.userAgent,
      fromBrowser: facts.source === 'browser',
      clockSkewMs: request.sentAt === null ? null : facts.receivedAt - request.sentAt,
    });
    const userAgent = facts.userAgent ? facts.userAgent.slice(0, MAX_USER_AGENT) : null;
    const event = buildTrackingEvent(safe, {
      customerId: customer.customerId,
      receivedAt: facts.receivedAt,
      ipAddress: anonymiseIp(facts.clientIp, privacy.ipAddressHashing ? { mode: 'hash', key: this.hashKey } : { mode: 'truncate' }),
      userAgent: userAgent && privacy.userAgentTruncation ? truncateUserAgent(userAgent) : userAgent,
      source: facts.source,
      batchId: facts.batchId,
      keyId: facts.keyId,
      // Redaction keeps the host, so the site is the same before and after it.
      siteId: siteIdFor(customer, { page_url: pageUrl, key_id: facts.keyId }),
      securityScore: assessment.score,
      suspicious: assessment.suspicious,
    });
    return { status: 'accepted', event, assessment, pii: scrubbed.found };
  }

  /**
   * A country outside the customer's geographic restrictions (or none known) drops every event:
   * the restriction is about where data may be collected, not about consent. Then `denied` and Do
   * Not Track drop everything but essential events; `pending` does when the customer requires
   * consent; and with `server_events_consent: require`, so does a server-side event that does not
   * say `granted` (issue 20 item 3: the server must state the consent, it is not assumed).
   */
  private consentDecision(request: ValidTrackRequest, customer: CustomerConfig, facts: RequestFacts): DropReason | undefined {
    const { allowedCountries } = customer.privacy;
    if (allowedCountries.length > 0 && !(facts.country && allowedCountries.includes(facts.country))) return 'outside_geographic_restrictions';
    if (customer.privacy.essentialEventTypes.includes(request.eventType)) return undefined;
    if (request.consentState === 'denied') return 'consent_denied';
    if (request.consentState === 'pending' && customer.privacy.consentRequired) return 'consent_pending';
    if (request.consentState !== 'granted' && SERVER_SOURCES.has(facts.source) && customer.privacy.serverEventsConsent === 'require') {
      return request.consentState === 'pending' ? 'consent_pending' : 'consent_missing';
    }
    if (facts.doNotTrack && customer.privacy.honorDoNotTrack) return 'do_not_track';
    return undefined;
  }
}
