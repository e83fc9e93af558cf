/**
 * Small, valid PPTX, XLSX, OpenDocument and EPUB files built in code (with zip.ts), for the
 * extractors' unit tests and the hostile collection: each takes its content as plain values, or
 * a pre-built deflate stream for one part (a bomb), or a prolog with a DTD (entity expansion).
 */
import { buildZip, type ZipEntry } from './zip.js';

const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Replaces the part named `name` by a bomb, when given. */
export type PartOverride = { name: string; deflated: Uint8Array; size: number; crc: number } | { name: string; xml: string };

function withOverride(entries: ZipEntry[], override?: PartOverride): ZipEntry[] {
  if (!override) return entries;
  const replaced: ZipEntry = 'xml' in override ? { name: override.name, data: text(override.xml) } : override;
  return entries.some((e) => e.name === override.name) ? entries.map((e) => (e.name === override.name ? replaced : e)) : [...entries, replaced];
}

const rels = (items: Array<[string, string, string]>) =>
  `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${items
    .map(([id, type, target]) => `<Relationship Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/>`)
    .join('')}</Relationships>`;
const contentTypes = (main: string) =>
  `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="${main}" ContentType="application/vnd.openxmlformats-officedocument.main+xml"/></Types>`;

export interface Slide {
  title: string;
  body?: string[];
  notes?: string;
  table?: string[][];
}

const A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const shape = (type: string | undefined, paragraphs: string[]) =>
  `<p:sp><p:nvSpPr><p:cNvPr id="1" name="s"/><p:cNvSpPr/><p:nvPr>${type ? `<p:ph type="${type}"/>` : ''}</p:nvPr></p:nvSpPr><p:txBody>${paragraphs
    .map((p) => `<a:p><a:r><a:t>${esc(p)}</a:t></a:r></a:p>`)
    .join('')}</p:txBody></p:sp>`;
const drawingTable = (rows: string[][]) =>
  `<p:graphicFrame><a:graphic><a:graphicData><a:tbl>${rows
    .map((row) => `<a:tr>${row.map((cell) => `<a:tc><a:txBody><a:p><a:r><a:t>${esc(cell)}</a:t></a:r></a:p></a:txBody></a:tc>`).join('')}</a:tr>`)
    .join('')}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`;

export function buildPptx(slides: Slide[], override?: PartOverride): Uint8Array {
  const entries: ZipEntry[] = [
    { name: '[Content_Types].xml', data: text(contentTypes('/ppt/presentation.xml')) },
    { name: '_rels/.rels', data: text(rels([['rId1', 'officeDocument', 'ppt/presentation.xml']])) },
    { name: 'ppt/presentation.xml', data: text(`${XML}<p:presentation ${A}><p:sldIdLst>${slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`).join('')}</p:sldIdLst></p:presentation>`) },
    { name: 'ppt/_rels/presentation.xml.rels', data: text(rels(slides.map((_, i) => [`rId${i + 1}`, 'slide', `slides/slide${i + 1}.xml`]))) },
  ];
  slides.forEach((slide, i) => {
    const n = i + 1;
    const body = `${shape('title', [slide.title])}${slide.body ? shape(undefined, slide.body) : ''}${shape('sldNum', [String(n)])}${slide.table ? drawingTable(slide.table) : ''}`;
    entries.push({ name: `ppt/slides/slide${n}.xml`, data: text(`${XML}<p:sld ${A}><p:cSld><p:spTree>${body}</p:spTree></p:cSld></p:sld>`) });
    if (slide.notes) {
      entries.push({ name: `ppt/slides/_rels/slide${n}.xml.rels`, data: text(rels([['rId1', 'notesSlide', `../notesSlides/notesSlide${n}.xml`]])) });
      entries.push({ name: `ppt/notesSlides/notesSlide${n}.xml`, data: text(`${XML}<p:notes ${A}><p:cSld><p:spTree>${shape('sldImg', [])}${shape('body', [slide.notes])}</p:spTree></p:cSld></p:notes>`) });
    }
  });
  return buildZip(withOverride(entries, override));
}

const colName = (i: number) => {
  let name = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
};

export interface Sheet {
  name: string;
  rows: Array<Array<string | number>>;
}

/** Strings go to the shared-string table, numbers stay numbers; a cell `{date}` is styled as a date. */
export function buildXlsx(sheets: Sheet[], override?: PartOverride): Uint8Array {
  const shared: string[] = [];
  const sharedIndex = (s: string) => {
    let i = shared.indexOf(s);
    if (i === -1) i = shared.push(s) - 1;
    return i;
  };
  const S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
  const sheetXml = (sheet: Sheet) =>
    `${XML}<worksheet ${S}><sheetData>${sheet.rows
      .map(
        (row, r) =>
          `<row r="${r + 1}">${row
            .map((cell, c) => (typeof cell === 'number' ? `<c r="${colName(c)}${r + 1}"><v>${cell}</v></c>` : `<c r="${colName(c)}${r + 1}" t="s"><v>${sharedIndex(cell)}</v></c>`))
            .join('')}</row>`,
      )
      .join('')}</sheetData></worksheet>`;
  const sheetParts = sheets.map(sheetXml);
  const entries: ZipEntry[] = [
    { name: '[Content_Types].xml', data: text(contentTypes('/xl/workbook.xml')) },
    { name: '_rels/.rels', data: text(rels([['rId1', 'officeDocument', 'xl/workbook.xml']])) },
    { name: 'xl/workbook.xml', data: text(`${XML}<workbook ${S}><sheets>${sheets.map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`) },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: text(rels([...sheets.map((_, i): [string, string, string] => [`rId${i + 1}`, 'worksheet', `worksheets/sheet${i + 1}.xml`]), ['rIdS', 'sharedStrings', 'sharedStrings.xml']])),
    },
    ...sheetParts.map((xml, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: text(xml) })),
    { name: 'xl/sharedStrings.xml', data: text(`${XML}<sst ${S} count="${shared.length}">${shared.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`) },
  ];
  return buildZip(withOverride(entries, override));
}

const ODF_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"';
const ODF_TYPES = { odt: 'text', odp: 'presentation', ods: 'spreadsheet' } as const;

/** An OpenDocument package around `body` (the content of `<office:body>`). */
export function buildOpenDocument(kind: 'odt' | 'odp' | 'ods', body: string, override?: PartOverride, prolog = XML): Uint8Array {
  const mimetype = `application/vnd.oasis.opendocument.${ODF_TYPES[kind]}`;
  const entries: ZipEntry[] = [
    { name: 'mimetype', data: text(mimetype) },
    { name: 'META-INF/manifest.xml', data: text(`${XML}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="${mimetype}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`) },
    { name: 'content.xml', data: text(`${prolog}<office:document-content ${ODF_NS} office:version="1.3"><office:body>${body}</office:body></office:document-content>`) },
  ];
  return buildZip(withOverride(entries, override), { storedFirst: true });
}

export const odfText = (...parts: string[]) => `<office:text>${parts.join('')}</office:text>`;
export const odfHeading = (level: number, title: string) => `<text:h text:outline-level="${level}">${esc(title)}</text:h>`;
export const odfParagraph = (s: string) => `<text:p>${esc(s)}</text:p>`;
export const odfTable = (name: string, rows: string[][]) =>
  `<table:table table:name="${esc(name)}">${rows.map((row) => `<table:table-row>${row.map((cell) => `<table:table-cell><text:p>${esc(cell)}</text:p></table:table-cell>`).join('')}</table:table-row>`).join('')}</table:table>`;

export interface Chapter {
  title: string;
  html: string;
}

/** An EPUB 3 book: one XHTML document a chapter, a nav document naming them. */
export function buildEpub(chapters: Chapter[], override?: PartOverride): Uint8Array {
  const entries: ZipEntry[] = [
    { name: 'mimetype', data: text('application/epub+zip') },
    { name: 'META-INF/container.xml', data: text(`${XML}<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`) },
    {
      name: 'OEBPS/content.opf',
      data: text(
        `${XML}<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>${chapters
          .map((_, i) => `<item id="c${i + 1}" href="text/ch${i + 1}.xhtml" media-type="application/xhtml+xml"/>`)
          .join('')}</manifest><spine>${chapters.map((_, i) => `<itemref idref="c${i + 1}"/>`).join('')}</spine></package>`,
      ),
    },
    {
      name: 'OEBPS/nav.xhtml',
      data: text(
        `${XML}<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body><nav epub:type="toc"><ol>${chapters
          .map((c, i) => `<li><a href="text/ch${i + 1}.xhtml">${esc(c.title)}</a></li>`)
          .join('')}</ol></nav></body></html>`,
      ),
    },
    ...chapters.map((c, i) => ({ name: `OEBPS/text/ch${i + 1}.xhtml`, data: text(`${XML}<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><body>${c.html}</body></html>`) })),
  ];
  return buildZip(withOverride(entries, override), { storedFirst: true });
}
