import { defineConfig } from 'vite';

/**
 * The console is served by the gateway at /console/ under a CSP without inline script or style, so
 * the build emits only external files: no module-preload polyfill (an inline script) and CSS in a
 * file of its own. Everything is bundled; nothing is fetched from a CDN.
 */
export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: true,
  },
});
