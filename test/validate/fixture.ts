/**
 * Broken copies of the manifests for the validator's tests: a temporary copy of knative/,
 * eventing/, deploy/ and the func.yaml files (the code stays in the repository), edited, then
 * validated; and an assertion that names the expected problem.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, validateManifests, type ValidationResult } from './validate.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const copies: string[] = [];

/** Removes every copy made so far (call from `after`). */
export async function removeCopies(): Promise<void> {
  await Promise.all(copies.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function copyManifests(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-manifests-'));
  copies.push(dir);
  for (const sub of ['knative', 'eventing', 'deploy']) await cp(join(repo, sub), join(dir, sub), { recursive: true });
  for (const fn of await readdir(join(repo, 'functions'))) {
    await mkdir(join(dir, 'functions', fn), { recursive: true });
    await cp(join(repo, 'functions', fn, 'func.yaml'), join(dir, 'functions', fn, 'func.yaml')).catch(() => undefined);
  }
  return dir;
}

/** One edit: in `file`, `from` (which must occur) becomes `to`; `to` may be a whole new file's text when `from` is null. */
export interface Edit {
  readonly file: string;
  readonly from: string | RegExp | null;
  readonly to: string;
}

/** Validates a copy with the edits applied. */
export async function validateEdited(...edits: Edit[]): Promise<ValidationResult> {
  const dir = await copyManifests();
  for (const { file, from, to } of edits) {
    const path = join(dir, file);
    if (from === null) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, to);
      continue;
    }
    const text = await readFile(path, 'utf8');
    const changed = text.replace(from, to);
    assert.notEqual(changed, text, `fixture: ${file} should contain ${String(from)}`);
    await writeFile(path, changed);
  }
  return validateManifests({ root: dir, codeRoot: repo });
}

export function assertError(result: ValidationResult, subject: RegExp, message: RegExp, overlay?: string): void {
  const lines = result.errors.map(formatProblem);
  assert.ok(
    result.errors.some((p) => subject.test(p.subject) && message.test(p.message) && (overlay === undefined || p.overlays.includes(overlay))),
    `expected an error on ${subject} matching ${message}${overlay ? ` in ${overlay}` : ''}; got:\n${lines.join('\n') || '(no errors)'}`,
  );
}

export function assertNoError(result: ValidationResult, subject: RegExp, message: RegExp): void {
  const hits = result.errors.filter((p) => subject.test(p.subject) && message.test(p.message)).map(formatProblem);
  assert.deepEqual(hits, [], `expected no error on ${subject} matching ${message}`);
}
