#!/usr/bin/env node
// `npm test`: every check a change must pass, in the order that fails fastest.
// 1. what the tests need is there: PostgreSQL and NATS running, Debian's Chromium
//    installed (we start/install them when we can, else stop with the exact command);
// 2. type-check the build and the tests; 3. lint; 4. vitest in Node (unit +
//    integration); 5. the std packages' unit tests again in Chromium.
// Extra arguments are passed to the Node vitest run (e.g. a path filter).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensureChromium, ensureServices } from './services.mjs';

function run(title, cmd, args) {
  const started = Date.now();
  process.stdout.write(`\n▶ ${title}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stderr.write(`✖ ${title} failed (${secs}s)\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`✔ ${title} (${secs}s)\n`);
}

function counts(file) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
}

const filter = process.argv.slice(2);
await ensureServices();
ensureChromium();
run('type-check', 'npx', ['tsc', '--build']);
run('type-check tests', 'npx', ['tsc', '-p', 'tsconfig.tests.json']);
run('lint', 'npx', ['biome', 'check', '.']);
const reporters = (name) => ['--reporter=default', '--reporter=json', `--outputFile.json=test-results/${name}.json`];
run('tests (Node)', 'npx', ['vitest', 'run', ...reporters('node'), ...filter]);
const runs = [counts('test-results/node.json')];
if (filter.length === 0) {
  run('std tests (Chromium)', 'npx', [
    'vitest',
    'run',
    '--config',
    'vitest.browser.config.ts',
    ...reporters('browser'),
  ]);
  runs.push(counts('test-results/browser.json'));
}
const total = runs.reduce((a, b) => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
}));
// One plain closing line that any CI reads the same way.
process.stdout.write(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
if (total.passed + total.failed === 0) {
  process.stderr.write('no test ran\n');
  process.exit(1);
}
