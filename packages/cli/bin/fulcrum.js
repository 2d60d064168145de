#!/usr/bin/env node
// Entry point for `npx fulcrum`. The CLI is TypeScript compiled to dist/ by
// `npm run build` (`npm start` builds first); say so plainly if it has not been built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('fulcrum: the CLI is not built yet. Run `npm run build` in the repository root first.\n');
  process.exit(1);
}
const { runCli } = await import(main);
process.exitCode = await runCli(process.argv);
