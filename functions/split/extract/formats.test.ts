/**
 * Each format added for issue 14, from small files built in code (test/hostile/containers.ts)
 * or written out here: detected by its bytes, read with its structure (page, heading, tables).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEpub, buildOpenDocument, buildPptx, buildXlsx, odfHeading, odfParagraph, odfTable, odfText } from '../../../test/hostile/containers.js';
import { detectKind } from './detect.js';
import { extractText, type Section } from './index.js';

const limits = { maxPages: 100, maxExtractedChars: 1_000_000, maxInflateRatio: 100, maxNestingDepth: 100 };
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const header = (...cells: string[]) => `| ${cells.join(' | ')} |\n| ${cells.map(() => '---').join(' | ')} |`;
const tables = (sections: Section[]) => sections.filter((s) => s.records?.header);

test('PPTX: a section per slide, its number as page and its title as heading; notes and tables kept', async () => {
  const pptx = buildPptx([
    { title: 'Quarterly review', body: ['Revenue grew in every region.'], notes: 'Mention the new Lisbon office.' },
    { title: 'Regions', table: [['Region', 'Revenue'], ['North', '12'], ['South', '9']] },
  ]);
  assert.equal(detectKind(pptx, 'deck.bin', ''), 'pptx');
  const { kind, sections } = await extractText(pptx, 'deck.pptx', '', limits);
  assert.equal(kind, 'pptx');
  assert.deepEqual(sections[0], { text: 'Quarterly review\nRevenue grew in every region.\nSpeaker notes: Mention the new Lisbon office.', page: 1, heading: 'Quarterly review' });
  const [table] = tables(sections);
  assert.deepEqual(table, { text: '| North | 12 |\n| South | 9 |', page: 2, heading: 'Regions', records: { separator: '\n', header: header('Region', 'Revenue') } });
  assert.doesNotMatch(sections.map((s) => s.text).join('\n'), /^1$|^2$/m, 'slide numbers are page furniture');
});

test('XLSX: one table a sheet under its name, shared strings and numbers in their columns', async () => {
  const xlsx = buildXlsx([
    { name: 'Prices', rows: [['Item', 'Price', 'Stock'], ['Tea', 3.5, 20], ['Coffee', 4, 0]] },
    { name: 'Empty', rows: [] },
    { name: 'Staff', rows: [['Name', 'Room'], ['Ada', 'B12']] },
  ]);
  assert.equal(detectKind(xlsx, 'book', ''), 'xlsx');
  const { sections } = await extractText(xlsx, 'book.xlsx', '', limits);
  assert.deepEqual(sections, [
    { text: '| Tea | 3.5 | 20 |\n| Coffee | 4 | 0 |', heading: 'Prices', records: { separator: '\n', header: header('Item', 'Price', 'Stock') } },
    { text: '| Ada | B12 |', heading: 'Staff', records: { separator: '\n', header: header('Name', 'Room') } },
  ]);
});

test('ODT: heading paths from outline levels, tables as rows; ODS sheets; ODP slides with notes', async () => {
  const odt = buildOpenDocument('odt', odfText(odfHeading(1, 'Guide'), odfParagraph('Intro.'), odfHeading(2, 'Install'), odfParagraph('Run it.'), odfTable('T1', [['Step', 'Command'], ['1', 'make']])));
  assert.equal(detectKind(odt, 'x', ''), 'odt');
  const text = (await extractText(odt, 'x.odt', '', limits)).sections;
  assert.deepEqual(text.map((s) => s.heading), ['Guide', 'Guide › Install', 'Guide › Install']);
  assert.equal(text[1]!.text, 'Install\nRun it.');
  assert.deepEqual(text[2]!.records, { separator: '\n', header: header('Step', 'Command') });

  const repeated = '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>';
  const ods = buildOpenDocument('ods', `<office:spreadsheet>${odfTable('Budget', [['Line', 'Amount'], ['Rent', '900']]).replace('</table:table>', `${repeated}</table:table>`)}</office:spreadsheet>`);
  assert.equal(detectKind(ods, 'x', ''), 'ods');
  assert.deepEqual((await extractText(ods, 'x.ods', '', limits)).sections, [{ text: '| Rent | 900 |', heading: 'Budget', records: { separator: '\n', header: header('Line', 'Amount') } }]);

  const page = (title: string, body: string, notes: string) =>
    `<draw:page draw:name="p"><draw:frame presentation:class="title"><draw:text-box>${odfParagraph(title)}</draw:text-box></draw:frame><draw:frame><draw:text-box>${odfParagraph(body)}</draw:text-box></draw:frame><presentation:notes><draw:frame presentation:class="notes"><draw:text-box>${odfParagraph(notes)}</draw:text-box></draw:frame></presentation:notes></draw:page>`;
  const odp = buildOpenDocument('odp', `<office:presentation>${page('Welcome', 'Hello all.', 'Smile.')}${page('Plan', 'Three steps.', 'Be brief.')}</office:presentation>`);
  assert.equal(detectKind(odp, 'x', ''), 'odp');
  assert.deepEqual((await extractText(odp, 'x.odp', '', limits)).sections, [
    { text: 'Welcome\nHello all.\nSpeaker notes: Smile.', heading: 'Welcome', page: 1 },
    { text: 'Plan\nThree steps.\nSpeaker notes: Be brief.', heading: 'Plan', page: 2 },
  ]);
});

test('EPUB: spine order, chapter titles from the nav document above the chapters own headings', async () => {
  const epub = buildEpub([
    { title: 'Chapter One: Departure', html: '<p>The ship left at dawn.</p>' },
    { title: 'Chapter Two: Arrival', html: '<h2>The harbour</h2><p>Gulls everywhere.</p>' },
  ]);
  assert.equal(detectKind(epub, 'book', ''), 'epub');
  assert.deepEqual((await extractText(epub, 'book.epub', '', limits)).sections, [
    { text: 'The ship left at dawn.', heading: 'Chapter One: Departure' },
    { text: 'The harbour\nGulls everywhere.', heading: 'Chapter Two: Arrival › The harbour' },
  ]);
});

test('RTF: text in its code page, \\u escapes, headings from outline levels, tables as rows; font tables skipped', async () => {
  const rtf = String.raw`{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Times New Roman;}}{\*\generator Writer;}{\info{\title Secret title}}
\pard\outlinelevel0 Caf\'e9 menu\par
\pard Prices are in \u8364? today.\par
\trowd\pard\intbl Dish\cell Price\cell\row
\pard\intbl Soup\cell 4\cell\row
\pard After the table.\par}`;
  assert.equal(detectKind(utf8(rtf), 'memo.doc', ''), 'rtf');
  const { sections } = await extractText(utf8(rtf), 'memo.rtf', '', limits);
  assert.deepEqual(sections, [
    { text: 'Café menu\nPrices are in € today.', heading: 'Café menu' },
    { text: '| Soup | 4 |', heading: 'Café menu', records: { separator: '\n', header: header('Dish', 'Price') } },
    { text: 'After the table.', heading: 'Café menu' },
  ]);
  const deep = `{\\rtf1 ${'{'.repeat(500)}x${'}'.repeat(500)}}`;
  await assert.rejects(extractText(utf8(deep), 'deep.rtf', '', limits), /nested more than 100/);
});

test('e-mail: subject, from, to and date first; the HTML body read as HTML; text attachments read', async () => {
  const eml = [
    'From: Ada Lovelace <ada@example.org>',
    'To: Charles Babbage <charles@example.org>',
    'Subject: Engine notes',
    'Date: Tue, 10 Dec 2024 09:30:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: multipart/alternative; boundary="b2"',
    '',
    '--b2',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Plain body.',
    '--b2',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><body><p>The <b>analytical</b> engine needs cards.</p><table><tr><th>Part</th><th>Count</th></tr><tr><td>Gear</td><td>40</td></tr></table></body></html>',
    '--b2--',
    '--b1',
    'Content-Type: text/csv; name="parts.csv"',
    'Content-Disposition: attachment; filename="parts.csv"',
    '',
    'part,weight',
    'mill,300',
    '--b1',
    'Content-Type: image/png; name="x.png"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="x.png"',
    '',
    'iVBORw0KGgo=',
    '--b1--',
    '',
  ].join('\r\n');
  assert.equal(detectKind(utf8(eml), 'saved-message', ''), 'eml');
  const { kind, sections, email } = await extractText(utf8(eml), 'notes.eml', '', limits);
  assert.equal(kind, 'eml');
  // The payload fields of every point of the message (lib/documents/email.ts).
  assert.deepEqual(email, { subject: 'Engine notes', date: '2024-12-10T09:30:00.000Z', from: ['Ada Lovelace <ada@example.org>'], to: ['Charles Babbage <charles@example.org>'] });
  assert.deepEqual(sections[0], { text: 'Subject: Engine notes\nFrom: Ada Lovelace <ada@example.org>\nTo: Charles Babbage <charles@example.org>\nDate: 2024-12-10T09:30:00.000Z', heading: 'Engine notes' });
  assert.equal(sections[1]!.text, 'The analytical engine needs cards.');
  assert.deepEqual(sections[2]!.records?.header, header('Part', 'Count'));
  assert.deepEqual(sections[3], { text: '| mill | 300 |', heading: 'Engine notes › parts.csv', records: { separator: '\n', header: header('part', 'weight') } });
  assert.equal(sections.length, 4, 'the image is not read');
});

test("e-mail: a forwarded message inside is read, but the fields are the outer message's", async () => {
  const eml = [
    'From: Grace Hopper <grace@example.org>',
    'To: team@example.org, Alan <alan@example.org>',
    'Subject: Fwd: compiler',
    'Date: Wed, 11 Dec 2024 10:00:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See below.',
    '--b1',
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="inner.eml"',
    '',
    'From: Someone Else <else@example.org>',
    'Subject: The inner subject',
    '',
    'The compiler translates programs.',
    '--b1--',
    '',
  ].join('\r\n');
  const { sections, email } = await extractText(utf8(eml), 'fwd.eml', '', limits);
  assert.ok(sections.some((s) => s.text.includes('The compiler translates programs.')));
  assert.deepEqual(email, { subject: 'Fwd: compiler', date: '2024-12-11T09:00:00.000Z', from: ['Grace Hopper <grace@example.org>'], to: ['team@example.org', 'Alan <alan@example.org>'] });
  assert.equal((await extractText(utf8('# Not mail\nJust text.'), 'a.md', '', limits)).email, undefined);
});

test('CSV and TSV: the first record is the header of every row; quoted fields and ; delimiters', async () => {
  const csv = 'name;city;note\n"Lovelace, Ada";London;"said ""hi"""\nBabbage;London;\n';
  assert.deepEqual((await extractText(utf8(csv), 'people.csv', '', limits)).sections, [
    { text: '| Lovelace, Ada | London | said "hi" |\n| Babbage | London |  |', records: { separator: '\n', header: header('name', 'city', 'note') } },
  ]);
  const tsv = 'id\tvalue\n1\talpha | beta\n';
  assert.deepEqual((await extractText(utf8(tsv), 'v.tsv', '', limits)).sections[0]!.text, '| 1 | alpha \\| beta |');
  await assert.rejects(extractText(utf8('a,b\n"unclosed,1\n'), 'bad.csv', '', limits), /CSV could not be parsed/);
});

test('JSON and JSON Lines: records of path-labelled lines, not braces', async () => {
  const json = JSON.stringify({ title: 'Stations', stations: [{ name: 'Alpha', geo: { lat: 1.5, lon: 2 }, tags: ['a', 'b'] }, { name: 'Beta', geo: { lat: 3, lon: 4 } }] });
  assert.equal(detectKind(utf8(json), 'data', ''), 'json');
  assert.deepEqual((await extractText(utf8(json), 'data.json', '', limits)).sections, [
    { text: 'title: Stations', records: { separator: '\n\n' } },
    { text: 'stations[0].name: Alpha\nstations[0].geo.lat: 1.5\nstations[0].geo.lon: 2\nstations[0].tags: a, b\n\nstations[1].name: Beta\nstations[1].geo.lat: 3\nstations[1].geo.lon: 4', heading: 'stations', records: { separator: '\n\n' } },
  ]);
  const jsonl = '{"id":1,"msg":"started"}\n{"id":2,"msg":"stopped"}\n';
  assert.equal(detectKind(utf8(jsonl), 'log', ''), 'jsonl');
  assert.equal((await extractText(utf8(jsonl), 'events.jsonl', '', limits)).sections[0]!.text, '[0].id: 1\n[0].msg: started\n\n[1].id: 2\n[1].msg: stopped');
  await assert.rejects(extractText(utf8('{"a":1}\n{oops\n'), 'bad.jsonl', '', limits), /line 2 is not valid JSON/);
  await assert.rejects(extractText(utf8(`${'['.repeat(200)}1${']'.repeat(200)}`), 'deep.json', '', limits), /nested more than 100/);
});
