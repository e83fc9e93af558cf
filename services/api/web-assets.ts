/**
 * The console's scripts: the plain ES modules in `./web/` (no build step; tsc copies them to
 * dist/ beside this file with `allowJs`), read once at start. Only these names are served, so a
 * request can never name another file on disk; each has a content-hash ETag.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  body: string;
  etag: string;
}

/** Tests and the page itself are not served. */
const SERVED = /^[a-z][a-z0-9-]*\.js$/;

export function webAssetsDir(): string {
  return fileURLToPath(new URL('./web/', import.meta.url));
}

export function loadWebAssets(dir = webAssetsDir()): ReadonlyMap<string, WebAsset> {
  const assets = new Map<string, WebAsset>();
  if (!existsSync(dir)) throw new Error(`the console's scripts are missing: no ${dir} (build with npm run build)`);
  for (const name of readdirSync(dir)) {
    if (!SERVED.test(name) || name.endsWith('.test.js')) continue;
    const body = readFileSync(`${dir}/${name}`, 'utf8');
    assets.set(name, { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}
