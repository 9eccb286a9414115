import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { pagesDir, projectRoot } from '../src/ops/ops-assets';

/**
 * Builds the browser code of the pages (TypeScript + Preact, type-checked by `npm run typecheck`)
 * into static bundles under dist/pages/<page>/: app.js and app.css. Run by `npm run build` (and so
 * `npm start`) and by the e2e tests' global setup, so no one has to remember it.
 */
export const PAGES = [{ name: 'ops', entry: 'src/ops/console/main.tsx' }] as const;

export function pageBuildOptions(entry: string, outdir: string, root = projectRoot()): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: { app: join(root, entry) },
    outdir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  };
}

export async function buildPages(out = pagesDir()): Promise<string[]> {
  const written: string[] = [];
  for (const page of PAGES) {
    const outdir = join(out, page.name);
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    await build(pageBuildOptions(page.entry, outdir));
    written.push(outdir);
  }
  return written;
}

if (require.main === module) {
  const started = Date.now();
  buildPages().then(
    (dirs) => process.stdout.write(`pages built in ${Date.now() - started} ms: ${dirs.join(', ')}\n`),
    (err: Error) => {
      process.stderr.write(`pages build failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
