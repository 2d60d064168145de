#!/usr/bin/env node
// `npm start` step: builds the web app (packages/web → packages/web/dist) when the bundle is
// missing or older than any source it is built from, so the server has a current app to serve.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const built = join(root, 'packages/web/dist/index.html');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e === 'dist' || e === 'build' || e === 'screenshots') continue;
    m = Math.max(m, newest(join(path, e)));
  }
  return m;
}

// Every package's sources (the app bundles the SDK and its std dependencies) and the app's own files.
const inputs = [
  ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'src')),
  ...['index.html', 'vite.config.ts', 'size-report.ts', 'public', 'package.json'].map((f) =>
    join(root, 'packages/web', f),
  ),
].filter((p) => existsSync(p));

const stale = !existsSync(built) || Math.max(...inputs.map(newest)) > statSync(built).mtimeMs;
if (!stale) {
  process.stdout.write('web app: packages/web/dist is current\n');
} else {
  process.stdout.write('web app: building packages/web/dist\n');
  const r = spawnSync('npx', ['vite', 'build', 'packages/web'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
