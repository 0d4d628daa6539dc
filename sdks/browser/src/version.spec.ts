import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_NAME, SDK_VERSION } from './version';

describe('SDK name and version', () => {
  it('are those of package.json, so every event names the release that sent it', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
    expect({ name: SDK_NAME, version: SDK_VERSION }).toEqual({ name: manifest.name, version: manifest.version });
  });
});
