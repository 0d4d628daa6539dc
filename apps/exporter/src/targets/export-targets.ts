import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Env } from '@tracking/config';
import { ExportConfigError, parseExportTarget, type ExportDefaults, type ExportTarget } from './export-target';

export interface ExportTargets {
  targets: Map<string, ExportTarget>;
  /** Customers whose s3_export block cannot be used: reported in status and metrics, never exported. */
  broken: Map<string, ExportConfigError>;
}

/** The s3_export block of every customer under the customers directory (seed 000's layout). */
export function loadExportTargets(directory: string, env: Env, defaults: ExportDefaults): ExportTargets {
  if (!existsSync(directory)) throw new Error(`customer configuration directory ${directory} does not exist (CUSTOMERS_DIR)`);
  const targets = new Map<string, ExportTarget>();
  const broken = new Map<string, ExportConfigError>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const file = join(directory, entry.name, 'config.yaml');
    if (!entry.isDirectory() || entry.name.startsWith('.') || !existsSync(file)) continue;
    try {
      const target = parseExportTarget(entry.name, parse(readFileSync(file, 'utf8')), env, defaults);
      if (target) targets.set(entry.name, target);
    } catch (error) {
      broken.set(entry.name, error instanceof ExportConfigError ? error : new ExportConfigError(entry.name, [`${entry.name}/config.yaml cannot be read: ${(error as Error).message}`]));
    }
  }
  return { targets, broken };
}
