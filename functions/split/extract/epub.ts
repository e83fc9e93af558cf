/**
 * EPUB (2 and 3): the spine's XHTML documents in reading order, each read like HTML (html.ts:
 * heading paths, tables), under its chapter title from the table of contents (the EPUB 3 nav
 * document, or the EPUB 2 NCX). Within the container guards of container.ts; each XHTML part is
 * also checked for entity declarations and nesting like any HTML. Images, styles and fonts are
 * not read.
 */
import { localName, openContainer, resolvePart, type Container, type ContainerOptions } from './container.js';
import { ExtractError } from './errors.js';
import { extractHtml } from './html.js';
import type { Section } from './section.js';
import { assertNoEntityDeclarations, walkXml } from './xml.js';

export interface EpubOptions extends ContainerOptions {
  maxNestingDepth: number;
}

interface Item {
  href: string;
  type: string;
  properties: string;
}

export async function extractEpub(bytes: Uint8Array, options: EpubOptions): Promise<Section[]> {
  const container = await openContainer(bytes, 'EPUB', options, 'external-only');
  let opfPath: string | undefined;
  walkXml(await container.text('META-INF/container.xml'), {
    open: (name, attributes) => {
      if (localName(name) === 'rootfile' && !opfPath && attributes['full-path']) opfPath = attributes['full-path'];
    },
  });
  if (!opfPath) throw new ExtractError('corrupt', 'EPUB container.xml names no package document (rootfile)');
  const opf = opfPath;
  const manifest = new Map<string, Item>();
  const spine: string[] = [];
  let ncxId: string | undefined;
  walkXml(await container.text(opf), {
    open: (name, attributes) => {
      const local = localName(name);
      if (local === 'item' && attributes.id && attributes.href) {
        manifest.set(attributes.id, { href: resolvePart(opf, attributes.href), type: attributes['media-type'] ?? '', properties: attributes.properties ?? '' });
      } else if (local === 'itemref' && attributes.idref && attributes.linear !== 'no') spine.push(attributes.idref);
      else if (local === 'spine') ncxId = attributes.toc;
    },
  });
  const titles = await chapterTitles(container, [...manifest.values()], ncxId ? manifest.get(ncxId) : undefined);
  const sections: Section[] = [];
  // Some writers list one document many times, once for each of its fragments (`ch1.xhtml#s2`).
  const read = new Set<string>();
  for (const id of spine) {
    const item = manifest.get(id);
    if (!item || !/html|xml/.test(item.type) || read.has(item.href)) continue;
    read.add(item.href);
    const xhtml = await container.optionalText(item.href);
    if (xhtml === undefined) continue;
    assertNoEntityDeclarations(xhtml, `EPUB part ${item.href}`);
    const chapter = titles.get(item.href);
    for (const section of extractHtml(xhtml, options)) {
      const heading = !chapter ? section.heading : !section.heading ? chapter : section.heading.startsWith(chapter) ? section.heading : `${chapter} › ${section.heading}`;
      sections.push({ ...section, ...(heading ? { heading } : {}) });
    }
  }
  return sections;
}

/** Part path → the first title the table of contents gives it. */
async function chapterTitles(container: Container, items: Item[], ncx: Item | undefined): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  const add = (from: string, href: string | undefined, title: string) => {
    const clean = title.replace(/\s+/g, ' ').trim();
    if (!href || !clean) return;
    const part = resolvePart(from, href);
    if (!titles.has(part)) titles.set(part, clean);
  };
  const nav = items.find((item) => item.properties.split(/\s+/).includes('nav'));
  const navXml = nav ? await container.optionalText(nav.href) : undefined;
  if (nav && navXml) {
    // <nav epub:type="toc"> … <a href="ch1.xhtml#s1">Title</a>
    let inToc = 0;
    let link: { href?: string; text: string } | undefined;
    walkXml(navXml, {
      open: (name, attributes) => {
        const local = localName(name);
        if (local === 'nav') inToc = inToc || /(^|\s)toc(\s|$)/.test(attributes['epub:type'] ?? '') ? inToc + 1 : 0;
        else if (local === 'a' && inToc) link = { ...(attributes.href ? { href: attributes.href } : {}), text: '' };
      },
      text: (text) => {
        if (link) link.text += text;
      },
      close: (name) => {
        const local = localName(name);
        if (local === 'a' && link) {
          add(nav.href, link.href, link.text);
          link = undefined;
        } else if (local === 'nav' && inToc) inToc--;
      },
    });
  }
  const ncxXml = titles.size === 0 && ncx ? await container.optionalText(ncx.href) : undefined;
  if (ncx && ncxXml) {
    // <navPoint><navLabel><text>Title</text></navLabel><content src="ch1.xhtml"/>
    const labels: string[] = [];
    let inText = false;
    walkXml(ncxXml, {
      open: (name, attributes) => {
        const local = localName(name);
        if (local === 'navPoint') labels.push('');
        else if (local === 'text' && labels.length) inText = true;
        else if (local === 'content' && labels.length) add(ncx.href, attributes.src, labels.at(-1)!);
      },
      text: (text) => {
        if (inText) labels[labels.length - 1] += text;
      },
      close: (name) => {
        const local = localName(name);
        if (local === 'text') inText = false;
        else if (local === 'navPoint') labels.pop();
      },
    });
  }
  return titles;
}

