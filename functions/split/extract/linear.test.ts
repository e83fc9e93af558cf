/**
 * Everything in split (and lib/) that runs a pattern over document text, fed adversarial
 * strings (long runs of spaces, `#`, `<!--`, `\r`, brackets, …) at two sizes: each must finish
 * 64 KB in well under the budget and scale roughly linearly (a quadratic scan takes 4× as long
 * for twice the input, a cubic one 8×).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { redactText } from '../../../lib/log.js';
import { detectKind } from './detect.js';
import { extractHtml } from './html.js';
import { atxHeading, extractMarkdown } from './markdown.js';
import { pdfStreams } from './pdf-syntax.js';
import { assertNoEntityDeclarations, createDoctypeScanner } from './xml.js';

const SMALL = 32 * 1024;
const LARGE = 64 * 1024;
/** Generous for a loaded 2-core machine; the super-linear versions took seconds to minutes. */
const LARGE_BUDGET_MS = 200;

const UNITS = [' ', '#', '# a', '<!--', '-->', '\r', '\r\n', '\t', '[', ']', '(', '<<', '<', '<a ', '</', '<!DOCTYPE ', '<script>', '`', '~~~', '*', 'a.', '://a:', '1', '1 0 obj ', '&', '\\', '/', '\u00a0'];
const TAILS = ['', 'x', '\rx', '!', '>', ']', '@', '\n', '#', '-'];

const targets: Record<string, (input: string) => unknown> = {
  'markdown document': (s) => extractMarkdown(`# a${s}\nafter`),
  'one heading line': (s) => atxHeading(`# a${s}`),
  'html nesting scan and text': (s) => {
    try {
      return extractHtml(`<html><body>${s}</body></html>`, { maxNestingDepth: 1_000_000 });
    } catch {
      return undefined; // refusing (too deep) is an answer too; what matters is how fast
    }
  },
  'entity declarations': (s) => {
    try {
      assertNoEntityDeclarations(s, 'x');
    } catch {
      /* refused */
    }
  },
  'docx doctype scanner': (s) => {
    try {
      createDoctypeScanner((p) => p)('word/document.xml', Buffer.from(s, 'latin1'));
    } catch {
      /* refused */
    }
  },
  'type detection': (s) => detectKind(Buffer.from(s), `${s.slice(0, 1000)}.md`, 'text/plain'),
  'log redaction': (s) => redactText(s, ['a-secret-value']),
  'pdf stream scan': (s) => {
    try {
      return [...pdfStreams(Buffer.from(`%PDF-1.7\n${s}`, 'latin1'))].length;
    } catch {
      return undefined;
    }
  },
};

function timeMs(fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    fn();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const input = (unit: string, tail: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size) + tail;

function assertLinear(name: string, run: (input: string) => unknown, unit: string, tail: string): void {
  const small = timeMs(() => run(input(unit, tail, SMALL)));
  // A super-linear scan is already slow at the small size: stop before the large one hangs.
  assert.ok(small < LARGE_BUDGET_MS, `${name} on ${JSON.stringify(unit)}…${JSON.stringify(tail)}: ${small.toFixed(1)} ms for 32 KB`);
  const large = timeMs(() => run(input(unit, tail, LARGE)));
  assert.ok(large < LARGE_BUDGET_MS, `${name} on ${JSON.stringify(unit)}…${JSON.stringify(tail)}: ${large.toFixed(1)} ms for 64 KB`);
  assert.ok(large < 3 * small + 50, `${name} on ${JSON.stringify(unit)}…${JSON.stringify(tail)}: ${small.toFixed(1)} ms for 32 KB but ${large.toFixed(1)} ms for 64 KB`);
}

for (const [name, run] of Object.entries(targets)) {
  test(`${name}: adversarial 64 KB inputs finish in < ${LARGE_BUDGET_MS} ms and scale linearly`, () => {
    run('warm up');
    // Every run of one unit with every tail, then random mixtures of units.
    for (const unit of UNITS) for (const tail of TAILS) assertLinear(name, run, unit, tail);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...UNITS), { minLength: 2, maxLength: 4 }), fc.constantFrom(...TAILS), (units, tail) => {
        assertLinear(name, run, units.join(''), tail);
      }),
      { numRuns: 30 },
    );
  });
}

test('the heading reader keeps what the regex did for ordinary headings', () => {
  assert.deepEqual(atxHeading('## Install  ##  '), { level: 2, title: 'Install' });
  assert.deepEqual(atxHeading('# C#'), { level: 1, title: 'C#' });
  assert.deepEqual(atxHeading('###### six'), { level: 6, title: 'six' });
  assert.equal(atxHeading('####### seven'), undefined);
  assert.equal(atxHeading('#nospace'), undefined);
  assert.equal(atxHeading('#   '), undefined);
});
