import { csvField } from '@tracking/contracts';

/** One CSV record (RFC 4180, CRLF); see csvField for quoting and formula defusing. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
