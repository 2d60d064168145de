/**
 * Enforces the runtime rules of CONVENTIONS.md: each package declares its
 * runtime (`std`, `node` or `browser`) in package.json under `fulcrum.runtime`,
 * and this test fails on any import or global that the runtime forbids.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type Runtime = 'std' | 'node' | 'browser';
interface Pkg {
  dir: string;
  name: string;
  runtime: Runtime;
  deps: string[];
  refs: string[];
}

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');

function readPkgs(): Pkg[] {
  return readdirSync(packagesDir)
    .filter((d) => statSync(join(packagesDir, d)).isDirectory())
    .map((d) => {
      const pj = JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8'));
      const tc = JSON.parse(readFileSync(join(packagesDir, d, 'tsconfig.json'), 'utf8'));
      return {
        dir: d,
        name: pj.name as string,
        runtime: pj.fulcrum?.runtime as Runtime,
        deps: Object.keys(pj.dependencies ?? {}),
        refs: ((tc.references ?? []) as { path: string }[]).map((r) => r.path.replace('../', '')),
      };
    });
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
      out.push(p);
  }
  return out;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importsOf(src: string): string[] {
  const specs: string[] = [];
  const re =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3]) as string);
  return specs;
}

/** Third-party packages a std package may import. */
const STD_THIRD_PARTY = [/^@noble\//, /^@hpke\//, /^ts-mls(\/|$)/, /^@sinclair\/typebox(\/|$)/];
/** Globals a std package must not touch (I/O, process, DOM, ambient time/randomness). */
const STD_FORBIDDEN_GLOBALS: [RegExp, string][] = [
  [/\bprocess\./, 'process'],
  [/\bBuffer\b/, 'Buffer'],
  [/(?<![.\w])(?:window|document|navigator|localStorage|indexedDB)\s*[.[]/, 'DOM globals'],
  [/(?<![.\w])fetch\s*\(/, 'fetch'],
  [/\brequire\s*\(/, 'require'],
  [/\bMath\.random\s*\(/, 'Math.random (use crypto.getRandomValues or an injected Random)'],
  [/\bDate\.now\s*\(|new Date\s*\(\s*\)/, 'the wall clock (inject a Clock)'],
];
/** The one place allowed to read the wall clock: the default Clock port. */
const CLOCK_ALLOWED = new Set(['common/src/ports.ts']);
const NEVER_IMPORTED = new Set(['@fulcrum/web', '@fulcrum/cli', '@fulcrum/testkit']);

const pkgs = readPkgs();
const byName = new Map(pkgs.map((p) => [p.name, p]));

describe('package layering (CONVENTIONS.md)', () => {
  it('every package declares a runtime', () => {
    for (const p of pkgs) expect(['std', 'node', 'browser'], `${p.name}`).toContain(p.runtime);
  });

  for (const p of pkgs) {
    it(`${p.name} (${p.runtime}) imports only what its runtime allows`, () => {
      const problems: string[] = [];
      for (const file of sourceFiles(join(packagesDir, p.dir, 'src'))) {
        const rel = file.slice(packagesDir.length + 1);
        const src = stripComments(readFileSync(file, 'utf8'));
        for (const spec of importsOf(src)) {
          if (spec.startsWith('.')) {
            // A browser package may import a stylesheet (Vite bundles it with the route that imports it).
            const allowed = p.runtime === 'browser' ? /\.(js|json|css)$/ : /\.(js|json)$/;
            if (!allowed.test(spec)) problems.push(`${rel}: relative import without .js: ${spec}`);
            continue;
          }
          const pkgName = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
          if (NEVER_IMPORTED.has(pkgName)) problems.push(`${rel}: nothing may import ${pkgName}`);
          const target = byName.get(pkgName);
          if (target) {
            if (!p.deps.includes(pkgName)) problems.push(`${rel}: ${pkgName} not in dependencies`);
            if (!p.refs.includes(target.dir)) problems.push(`${rel}: ${pkgName} not in tsconfig references`);
            if (p.runtime === 'std' && target.runtime !== 'std')
              problems.push(`${rel}: std package imports ${target.runtime} package ${pkgName}`);
            if (p.runtime === 'browser' && target.runtime === 'node')
              problems.push(`${rel}: browser package imports node package ${pkgName}`);
            if (p.runtime === 'node' && target.runtime === 'browser')
              problems.push(`${rel}: node package imports browser package ${pkgName}`);
            if (p.name === '@fulcrum/server' && pkgName.startsWith('@fulcrum/client'))
              problems.push(`${rel}: the server never imports a client package`);
            continue;
          }
          if (p.runtime === 'std') {
            if (!STD_THIRD_PARTY.some((re) => re.test(spec))) problems.push(`${rel}: std package imports ${spec}`);
          } else if (p.runtime === 'browser' && spec.startsWith('node:')) {
            problems.push(`${rel}: browser package imports ${spec}`);
          }
          if (!spec.startsWith('node:') && !p.deps.includes(pkgName))
            problems.push(`${rel}: ${pkgName} used but not declared in package.json`);
        }
        if (p.runtime === 'std') {
          for (const [re, what] of STD_FORBIDDEN_GLOBALS) {
            if (what.startsWith('the wall clock') && CLOCK_ALLOWED.has(rel)) continue;
            if (re.test(src)) problems.push(`${rel}: std code uses ${what}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('the checker catches a forbidden import (self-test)', () => {
    expect(importsOf(`import { x } from 'node:fs';\nexport * from './a.js';`)).toEqual(['node:fs', './a.js']);
    expect(STD_FORBIDDEN_GLOBALS.some(([re]) => re.test('const b = Buffer.from(x)'))).toBe(true);
    expect(STD_FORBIDDEN_GLOBALS.some(([re]) => re.test('await fetch(url)'))).toBe(true);
    expect(STD_FORBIDDEN_GLOBALS.some(([re]) => re.test('this.fetch(url)'))).toBe(false);
    expect(STD_FORBIDDEN_GLOBALS.some(([re]) => re.test('window.location'))).toBe(true);
    expect(STD_FORBIDDEN_GLOBALS.some(([re]) => re.test("'the report window has passed'"))).toBe(false);
  });
});
