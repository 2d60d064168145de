#!/usr/bin/env node
// `npm test`: every check a change must pass, in the order that fails fastest.
// 1. services the integration tests need (PostgreSQL, NATS) are up, or we
//    start them when we can, or stop with the exact command to run;
// 2. type-check the build and the tests; 3. lint; 4. vitest (unit + integration).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensureServices } from './services.mjs';

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

await ensureServices();
run('type-check', 'npx', ['tsc', '--build']);
run('type-check tests', 'npx', ['tsc', '-p', 'tsconfig.tests.json']);
run('lint', 'npx', ['biome', 'check', '.']);
run('tests', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=test-results/vitest.json',
  ...process.argv.slice(2),
]);

// One plain closing line that any CI reads the same way.
const results = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
const skipped = results.numPendingTests + results.numTodoTests;
process.stdout.write(
  `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
);
if (results.numTotalTests === 0) {
  process.stderr.write('no test ran\n');
  process.exit(1);
}
