/**
 * A Vite plugin that reports the gzip size of each route (what a first visit to it downloads) and
 * enforces budgets. A route is a dynamic import of `src/messenger/…` or `src/routes/<name>.tsx`;
 * its size = entry chunk + the route chunk + their static imports + CSS they reference + any
 * worker bundle their code names (the worker is emitted as an asset by Vite).
 */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface Item {
  fileName: string;
  type: 'chunk' | 'asset';
  code?: string;
  source?: string | Uint8Array;
  imports?: string[];
  isEntry?: boolean;
  facadeModuleId?: string | null;
  viteMetadata?: { importedCss?: Set<string> };
}

function routeName(id: string | null | undefined): string | undefined {
  if (!id) return undefined;
  if (/\/src\/messenger\/messenger\.tsx$/.test(id)) return 'messenger';
  const m = /\/src\/routes\/([a-z-]+)\.tsx$/.exec(id);
  return m && m[1] !== 'not-yet' ? m[1] : undefined;
}

export function sizeReport(options: { budgets: Record<string, number> }): Plugin {
  return {
    name: 'fulcrum-size-report',
    apply: 'build',
    generateBundle(_opts, bundle) {
      const items = bundle as unknown as Record<string, Item>;
      // The worker build is a separate bundle: only the page build (entry: index.html) reports.
      const entry = Object.values(items).find((i) => i.type === 'chunk' && i.isEntry);
      if (entry === undefined || !/index\.html$/.test(entry.facadeModuleId ?? '')) return;
      const gz = (i: Item) => gzipSync(i.code ?? i.source ?? '', { level: 9 }).length;
      const closure = (start: string[]): Set<string> => {
        const seen = new Set<string>();
        const stack = [...start];
        while (stack.length > 0) {
          const f = stack.pop() as string;
          if (seen.has(f)) continue;
          seen.add(f);
          const it = items[f];
          for (const d of it?.imports ?? []) stack.push(d);
          for (const c of it?.viteMetadata?.importedCss ?? []) seen.add(c);
        }
        return seen;
      };
      const report: Record<string, { files: Record<string, number>; gzipBytes: number }> = {};
      for (const it of Object.values(items)) {
        const name = it.type === 'chunk' ? routeName(it.facadeModuleId) : undefined;
        if (name === undefined) continue;
        const files = closure([entry.fileName, it.fileName]);
        // A route that starts the client worker also downloads the worker bundle and the chunks
        // it imports (emitted into this build as .js assets): counted in full, an upper bound.
        const jsAssets = Object.values(items).filter((a) => a.type === 'asset' && a.fileName.endsWith('.js'));
        const startsWorker = [...files].some((f) =>
          jsAssets.some((a) => (items[f]?.code ?? '').includes(a.fileName.split('/').pop() as string)),
        );
        if (startsWorker) for (const a of jsAssets) files.add(a.fileName);
        // The stylesheet index.html links is part of every route.
        for (const a of Object.values(items))
          if (a.type === 'asset' && a.fileName.endsWith('.css')) files.add(a.fileName);
        const sizes: Record<string, number> = {};
        let total = 0;
        for (const f of files) {
          const i = items[f];
          if (i === undefined) continue;
          sizes[f] = gz(i);
          total += sizes[f] as number;
        }
        report[name] = { files: sizes, gzipBytes: total };
      }
      const lines = ['', 'gzip size per route (first visit):'];
      let over: string[] = [];
      for (const [name, r] of Object.entries(report).sort()) {
        const budget = options.budgets[name];
        lines.push(
          `  ${name.padEnd(13)} ${(r.gzipBytes / 1024).toFixed(1).padStart(7)} KB` +
            (budget === undefined ? '' : `  (budget ${(budget / 1024).toFixed(0)} KB)`),
        );
        if (budget !== undefined && r.gzipBytes > budget) over = [...over, name];
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      this.emitFile({
        type: 'asset',
        fileName: 'size-report.json',
        source: `${JSON.stringify(report, null, 2)}\n`,
      });
      if (over.length > 0) this.error(`over the size budget: ${over.join(', ')}`);
    },
  };
}
