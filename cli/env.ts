/**
 * The CLI runs from a checkout without the stack scripts around it: load `.env` (or the
 * committed `.env.example`) from the repository root. Variables already set win.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function loadProjectEnv(): void {
  const root = findRepoRoot();
  if (!root) return;
  for (const name of ['.env', '.env.example']) {
    const file = resolve(root, name);
    if (existsSync(file)) {
      process.loadEnvFile(file);
      return;
    }
  }
}

/** The checkout the CLI runs from (the directory with package.json and eventing/). */
export function findRepoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(resolve(dir, 'package.json')) && existsSync(resolve(dir, 'eventing'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The local stack's data directory (SLUICE_DATA_DIR, relative to the checkout unless absolute). */
export function stackDataDir(): string {
  return resolve(findRepoRoot() ?? process.cwd(), process.env.SLUICE_DATA_DIR || '.sluice');
}
