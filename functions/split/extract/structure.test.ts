import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtractError } from './errors.js';
import { extractHtml } from './html.js';
import { extractMarkdown } from './markdown.js';
import { decodeText } from './text.js';

test('markdown sections carry their heading path, code fences do not start headings', () => {
  const sections = extractMarkdown('intro\n# Guide\nabout\n## Install\nrun it\n```\n# not a heading\n```\n# Other\nmore');
  assert.deepEqual(
    sections.map((s) => s.heading),
    [undefined, 'Guide', 'Guide › Install', 'Other'],
  );
  assert.match(sections[2]!.text, /# not a heading/);
});

test('html keeps main content and heading paths, drops scripts and navigation', () => {
  const html = `<html><body><nav>Home | Next</nav><div role="main">
    <h1>json — JSON encoder</h1><p>Intro text.</p><script>var x = 1;</script>
    <h2>Basic Usage</h2><p>Use <code>dumps</code> to serialize.</p></div>
    <div class="footer">Copyright</div></body></html>`;
  const sections = extractHtml(html, { maxNestingDepth: 1000 });
  assert.deepEqual(sections.map((s) => s.heading), ['json — JSON encoder', 'json — JSON encoder › Basic Usage']);
  const all = sections.map((s) => s.text).join('\n');
  assert.match(all, /Use dumps to serialize/);
  assert.doesNotMatch(all, /var x|Home \| Next|Copyright/);
});

test('deeply nested html does not overflow the stack', () => {
  const depth = 20_000;
  const html = `<body>${'<div>'.repeat(depth)}deep text${'</div>'.repeat(depth)}</body>`;
  const sections = extractHtml(html, { maxNestingDepth: depth + 1 });
  assert.match(sections.map((s) => s.text).join(''), /deep text/);
  assert.throws(() => extractHtml(html, { maxNestingDepth: 1000 }), (err: unknown) => err instanceof ExtractError && err.reason === 'too_deep');
});

test('text decoding handles UTF-8, UTF-16 with BOM and Latin-1', () => {
  assert.equal(decodeText(Buffer.from('héllo', 'utf8')), 'héllo');
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')])), 'héllo');
  assert.equal(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9])), 'café');
});

test('html tables become Markdown rows under their header row, in their place between the text', () => {
  const html = `<h1>Prices</h1><p>before</p><table><thead><tr><th>Item</th><th>Price</th></tr></thead>
    <tbody><tr><td>Tea | green</td><td>3</td></tr><tr><td colspan="2">total <table><tr><td>x</td><td>y</td></tr></table></td></tr></tbody></table><p>after</p>
    <table><tr><td>layout only</td></tr></table>`;
  const sections = extractHtml(html, { maxNestingDepth: 100 });
  assert.deepEqual(sections[1], {
    text: '| Tea \\| green | 3 |\n| total x y |  |',
    heading: 'Prices',
    records: { separator: '\n', header: '| Item | Price |\n| --- | --- |' },
  });
  assert.equal(sections[2]!.text, 'after');
  assert.deepEqual(sections[3], { text: 'layout only', heading: 'Prices' }, 'a one-column table is text');
});
