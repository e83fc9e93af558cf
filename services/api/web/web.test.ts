/**
 * The console's pure browser code, run in Node: highlighting (segments that join back to the
 * text, so markup in a hit stays text), excerpts, chart geometry, filters and upload keys.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sparkline } from './chart.js';
import { parseFilters } from './filters.js';
import { excerpt, highlightSegments, queryTerms } from './highlight.js';
import { uploadKey } from './upload.js';

describe('highlighting', () => {
  it('takes the words worth marking from a query', () => {
    assert.deepEqual(queryTerms('Who trimmed the lighthouse WICKS in winter storms?'), ['lighthouse', 'winter', 'trimm', 'storm', 'wick']);
    assert.deepEqual(queryTerms('the of a'), []);
    assert.deepEqual(queryTerms('Öl und Ölpreise'), ['ölpreise', 'und', 'öl']);
  });

  it('marks whole words starting with a term, and the segments join back to the text exactly', () => {
    const text = 'The keepers trimmed the wicks; a wick, Wicked, awick.';
    const segments = highlightSegments(text, queryTerms('wicks'));
    assert.equal(segments.map((s) => s.text).join(''), text);
    assert.deepEqual(segments.filter((s) => s.mark).map((s) => s.text), ['wicks', 'wick', 'Wicked']);
  });

  it('never turns markup in a hit into anything but text to mark', () => {
    const text = '<img src=x onerror=alert(1)> alert the keepers &amp; <b>bold</b>';
    const segments = highlightSegments(text, queryTerms('alert bold img'));
    assert.equal(segments.map((s) => s.text).join(''), text);
    assert.deepEqual(segments.filter((s) => s.mark).map((s) => s.text), ['img', 'alert', 'alert', 'bold']);
    // Terms with regex syntax are literal.
    assert.deepEqual(highlightSegments('abc a.c', ['a.c']).filter((s) => s.mark).map((s) => s.text), ['a.c']);
    assert.deepEqual(highlightSegments('x (c) [d]', ['.*']).filter((s) => s.mark), []);
    assert.deepEqual(highlightSegments('', ['x']), []);
    assert.deepEqual(highlightSegments('abc', []), [{ text: 'abc', mark: false }]);
  });

  it('cuts long text around the first match', () => {
    const text = 'filler '.repeat(100) + 'the lighthouse keepers ' + 'more '.repeat(100);
    const cut = excerpt(text, queryTerms('lighthouse'), 80);
    assert.ok(cut.startsWith('…') && cut.endsWith('…'), cut);
    assert.ok(cut.includes('lighthouse'));
    assert.ok(cut.length <= 82);
    assert.equal(excerpt('  short\n\ntext  ', []), 'short text');
  });
});

describe('charts', () => {
  it('draws from the right, scaled to the peak, with gaps where a sample is missing', () => {
    const { line, area, max, last } = sparkline([0, 5, null, 10], { width: 90, height: 22, slots: 10 });
    assert.equal(max, 10);
    assert.equal(last, 10);
    assert.equal(line, 'M60.00 20.00 L70.00 11.00 M90.00 2.00');
    assert.match(area, /^M60\.00 22 L60\.00 20\.00 L70\.00 11\.00 L70\.00 22 Z$/);
  });

  it('has no line and no value without samples, and a floor for all-zero series', () => {
    assert.deepEqual(sparkline([], { slots: 5 }), { line: '', area: '', max: null, last: null });
    const zeros = sparkline([0, 0], { width: 10, height: 10, floor: 1 });
    assert.equal(zeros.line, 'M0.00 8.00 L10.00 8.00');
  });
});

describe('search filters and upload keys', () => {
  it('reads name:value filters', () => {
    assert.deepEqual(parseFilters(' lang:en , author: Jane Doe,'), [['lang', 'en'], ['author', 'Jane Doe']]);
    assert.deepEqual(parseFilters(''), []);
    assert.deepEqual(parseFilters('url:http://x'), [['url', 'http://x']]);
    for (const bad of ['lang', ':en', 'lang:']) assert.throws(() => parseFilters(bad), /name:value/);
  });

  it('puts a file under the target prefix as a folder', () => {
    assert.equal(uploadKey('', 'a.txt'), 'a.txt');
    assert.equal(uploadKey('reports', 'q1/a.txt'), 'reports/q1/a.txt');
    assert.equal(uploadKey(' /reports/2026/ ', '/a.txt'), 'reports/2026/a.txt');
  });
});
