// The console's packages (Vite, Preact, uPlot) came with the lockfile of issue 21: a node_modules
// installed before it lacks them, and `vite build` would fail with a bare "not found". Say what to do.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const missing = ['vite/package.json', 'preact/package.json', 'uplot/package.json'].filter((name) => {
  try {
    require.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  process.stderr.write(`apps/console build: ${missing.map((name) => name.split('/')[0]).join(', ')} not installed; run \`npm ci\` (or \`npm install\`) at the repository root\n`);
  process.exit(1);
}
