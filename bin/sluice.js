#!/usr/bin/env node
// Entry point of the `sluice` command: runs the compiled CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  console.error('sluice: not built yet; run `make install` first');
  process.exit(1);
}
await import(compiled);
