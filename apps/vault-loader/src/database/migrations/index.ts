import type { MigrationSet } from '@tracking/database';
import { RawLayer1795300000000 } from './1795300000000-raw-layer';

/** In order. Listed explicitly (no glob) so the same list runs from sources and from dist/. */
export const VAULT_MIGRATIONS: MigrationSet = { owner: 'vault-loader', migrations: [RawLayer1795300000000] };
