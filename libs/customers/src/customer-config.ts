export interface ApiTokenEntry {
  id: string;
  /** SHA-256 of the token, 32 bytes. The token itself is never stored. */
  sha256: Buffer;
  description?: string;
}

export interface CustomerLocation {
  id: string;
  name: string;
}

export interface PrivacySettings {
  ipAddressHashing: boolean;
  userAgentTruncation: boolean;
  piiDetection: 'enabled' | 'disabled';
  dataRetentionDays: number;
  geographicRestrictions: string[];
  consentRequired: boolean;
}

export interface CustomerConfig {
  customerId: string;
  /** Hex of the tenant hash key (SHA-256 of the normalised customer id). */
  tenantHk: string;
  name: string;
  industry?: string;
  locations: CustomerLocation[];
  technical: {
    /** Requests per hour. */
    apiRateLimit: number;
    storageQuotaGb: number;
    backupRetentionDays: number;
  };
  compliance: { hipaaRequired: boolean; dataResidency: string };
  privacy: PrivacySettings;
  tracking: { apiTokens: ApiTokenEntry[]; allowedOrigins: string[] };
  /** Seed 002's flags, e.g. `tracking.ingest.enabled`. */
  flags: Record<string, boolean>;
  /** Seed 000's enabled_features. */
  features: Record<string, boolean>;
}

export const FLAG_INGEST_ENABLED = 'tracking.ingest.enabled';
export const FLAG_AUTOMATION_ENABLED = 'tracking.automation.enabled';

/** Tracking is off when the customer disables site tracking or the ingest flag. */
export function trackingEnabled(config: CustomerConfig): boolean {
  return config.features['site_tracking'] !== false && config.flags[FLAG_INGEST_ENABLED] !== false;
}
