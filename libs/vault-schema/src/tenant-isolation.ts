/**
 * Row-level security of the vault (migration TenantIsolation): the role the read API takes, the role
 * analysts' logins are granted, and the setting a session names its tenant with (hash key in hex).
 */
export const VAULT_ROLES = { reader: 'tracking_reader', analyst: 'tracking_analyst' } as const;
export const TENANT_SETTING = 'app.tenant_hk';
