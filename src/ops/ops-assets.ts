import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The repository (or image) root: the nearest folder up from here with a package.json (src/ops and
 * dist/src/ops alike); the working directory for a build compiled elsewhere (the fault suite's).
 */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Where `npm run build` (and the e2e global setup) writes the pages' bundles: dist/pages/<page>/. */
export const pagesDir = (root = projectRoot()): string => join(root, 'dist', 'pages');
export const OPS_ASSETS_PREFIX = '/ops/assets/';
export const opsAssetsDir = (): string => join(pagesDir(), 'ops');

/** The console's bundle was built (app.js and app.css exist). */
export const opsAssetsBuilt = (dir = opsAssetsDir()): boolean => existsSync(join(dir, 'app.js')) && existsSync(join(dir, 'app.css'));

/** Serves the ops console's built bundle with @fastify/static at /ops/assets/. */
export function registerOpsAssets(app: NestFastifyApplication): void {
  app.useStaticAssets({
    root: opsAssetsDir(),
    prefix: OPS_ASSETS_PREFIX,
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    // max-age=0: the browser revalidates with the ETag on every load (the names carry no content hash).
    cacheControl: true,
    maxAge: 0,
  });
}
