/**
 * The web app's build: Vite + Preact (JSX through Oxc, no plugin), workspace packages from their
 * TypeScript sources, the client in a module Web Worker, and a size report per route (gzip):
 * each route's chunk plus every chunk it statically imports, the page entry, CSS, and the worker
 * bundle it starts. The messenger must stay under 350 KB gzip: the build fails above it.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sizeReport } from './size-report.js';

const packagesDir = fileURLToPath(new URL('../', import.meta.url));
const alias = readdirSync(packagesDir).map((name) => ({
  find: new RegExp(`^@fulcrum/${name}$`),
  replacement: `${packagesDir}${name}/src/index.ts`,
}));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { alias },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    // The timing hint names the worker bundling as slow; it is expected (the whole MLS client).
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  plugins: [sizeReport({ budgets: { messenger: 350 * 1024 } })],
});
