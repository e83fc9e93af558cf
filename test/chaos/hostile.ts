/**
 * Hostile files the chaos run mixes into its uploads. A few simple ones are generated here so
 * the suite is exercised on its own; the full collection (test/hostile/files.ts, when present)
 * joins through {@link extraHostileFiles}.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shape of test/hostile/files.ts: a file, and how its document must end. */
export interface HostileFile {
  key: string;
  body: Uint8Array;
  expect: { status: 'failed'; reason: RegExp } | { status: 'indexed'; probe?: string };
}

// The 8-byte PNG signature and an IHDR chunk: enough for any sniffer to call it an image.
const PNG_HEADER = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);

/** Generated hostile files; `truncatedFrom` is a real PDF of the corpus, cut in half. */
export async function generatedHostileFiles(truncatedFrom: string): Promise<HostileFile[]> {
  const pdf = await readFile(truncatedFrom);
  const random = new Uint8Array(4096);
  // Deterministic "random" bytes, with NULs and invalid UTF-8 in them.
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  return [
    { key: 'hostile/zero-bytes.txt', body: new Uint8Array(), expect: { status: 'failed', reason: /empty/ } },
    { key: 'hostile/image-named.pdf', body: PNG_HEADER, expect: { status: 'failed', reason: /./ } },
    { key: 'hostile/truncated.pdf', body: pdf.subarray(0, Math.floor(pdf.length / 2)), expect: { status: 'failed', reason: /./ } },
    { key: 'hostile/random-bytes.pdf', body: random, expect: { status: 'failed', reason: /./ } },
  ];
}

/**
 * The hostile collection of test/hostile/files.ts (`hostileFiles(): HostileFile[]`) when that
 * module exists, else nothing. Loaded by path at run time so this suite builds without it.
 */
export async function extraHostileFiles(): Promise<HostileFile[]> {
  const modulePath = join(fileURLToPath(new URL('.', import.meta.url)), '../hostile/files.ts');
  if (!existsSync(modulePath)) return [];
  const loaded = (await import(modulePath)) as { hostileFiles?: () => HostileFile[] | Promise<HostileFile[]> };
  if (typeof loaded.hostileFiles !== 'function') throw new Error(`${modulePath} does not export hostileFiles()`);
  return loaded.hostileFiles();
}
