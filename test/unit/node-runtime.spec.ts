import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The project brings its own Node.js through npm (the `node` dev dependency) so that a machine on an
 * older one runs the same major as the Docker image. These hold the places that name it together.
 */
const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const major = (range: string): number => Number(/(\d+)/.exec(range)?.[1]);

describe('the Node.js the project runs on', () => {
  const wanted = major(pkg.engines.node);

  it('is a current LTS line, brought by npm with its install script approved', () => {
    expect(wanted).toBeGreaterThanOrEqual(24);
    expect(major(pkg.devDependencies['node'] ?? '')).toBe(wanted);
    expect(pkg.allowScripts['node']).toBe(true);
    expect(major(pkg.devDependencies['@types/node'] ?? '')).toBe(wanted);
  });

  it('is the one the Docker image is built on', () => {
    const bases = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    expect(new Set(bases)).toEqual(new Set([wanted]));
  });

  it('runs these tests (npm scripts put node_modules/.bin first on the PATH)', () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(wanted);
  });
});
