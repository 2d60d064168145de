/**
 * The `std` packages' unit tests, run again in real Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core): pure code must behave the same
 * in the browser as in Node. Test files that need Node on purpose are named
 * `*.node.test.ts` and run only in Node.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const packages = readdirSync(packagesDir);
const stdPackages = packages.filter((name) => {
  try {
    return JSON.parse(readFileSync(`${packagesDir}${name}/package.json`, 'utf8')).fulcrum?.runtime === 'std';
  } catch {
    return false;
  }
});
const alias = [
  ...packages.map((name) => ({
    find: new RegExp(`^@fulcrum/${name}$`),
    replacement: `${packagesDir}${name}/src/index.ts`,
  })),
  // The one subpath export: test support (packages/common/package.json "exports").
  { find: /^@fulcrum\/common\/testing$/, replacement: `${packagesDir}common/src/testing.ts` },
];

export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      ...stdPackages.map((name) => `packages/${name}/src/**/*.test.ts`),
      // The browser edge's own tests (IndexedDB, device export): they need a browser.
      'packages/client-browser/src/**/*.browser.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.node.test.ts'],
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
