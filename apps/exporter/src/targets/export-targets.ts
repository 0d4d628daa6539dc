import type { ExportConfigError, ExportTarget } from './export-target';

/**
 * Every customer's export target. The maps are the one state every part of the exporter reads;
 * ExportTargetsFollower keeps them equal to the shared customer configuration.
 */
export interface ExportTargets {
  targets: Map<string, ExportTarget>;
  /** Customers whose s3_export block cannot be used: reported in status and metrics, never exported. */
  broken: Map<string, ExportConfigError>;
  /** Customers of the configuration without an s3_export block: nothing of theirs is exported (an erasure of theirs is done at once). */
  unexported: Set<string>;
}

export function emptyExportTargets(): ExportTargets {
  return { targets: new Map(), broken: new Map(), unexported: new Set() };
}
