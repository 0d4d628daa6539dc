import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ERROR_CODES } from '@tracking/contracts';

/**
 * The Python client is published on its own and imports nothing from this repository, so it keeps
 * its own list of the gateway's error codes (sdks/python/tracking_client/errors.py); this fails when
 * the list and the platform part ways.
 */
describe('Python client against the gateway contract', () => {
  it("knows exactly the gateway's error codes", () => {
    const source = readFileSync(join(__dirname, '..', '..', 'sdks', 'python', 'tracking_client', 'errors.py'), 'utf8');
    const tuple = /GATEWAY_ERROR_CODES = \(([^)]*)\)/.exec(source)?.[1] ?? '';
    const codes = [...tuple.matchAll(/"([A-Z_]+)"/g)].map((match) => match[1]);
    expect(codes.sort()).toEqual([...API_ERROR_CODES].sort());
  });
});
