import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources, so `vitest`
// needs no prior build.
const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const alias = [
  ...readdirSync(packagesDir).map((name) => ({
    find: new RegExp(`^@fulcrum/${name}$`),
    replacement: `${packagesDir}${name}/src/index.ts`,
  })),
  // The one subpath export: test support (packages/common/package.json "exports").
  { find: /^@fulcrum\/common\/testing$/, replacement: `${packagesDir}common/src/testing.ts` },
];

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/tests/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.browser.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
