/**
 * Zip containers (OOXML, OpenDocument, EPUB): opened only after every entry has been inflated
 * within the document's budget and scanned for entity declarations (inflate.ts, xml.ts), then
 * read part by part, with relationship targets resolved the way the packaging specs say.
 */
import { posix } from 'node:path';
import type JSZip from 'jszip';
import { ExtractError } from './errors.js';
import { checkZipInflation } from './inflate.js';
import { createDoctypeScanner, createEntityScanner, walkXml } from './xml.js';

export interface ContainerOptions {
  maxInflateRatio: number;
  maxZipEntries?: number;
}

export interface Container {
  has(part: string): boolean;
  /** A part's text (UTF-8); `corrupt` when a part the format requires is missing. */
  text(part: string): Promise<string>;
  /** The part's text, or undefined when the package has no such part. */
  optionalText(part: string): Promise<string | undefined>;
  names(): string[];
}

/**
 * `doctypes: 'refuse'` for OOXML, whose writers never put a DOCTYPE in a part; `'external-only'`
 * for formats whose parts may name an external DTD (never fetched), where only entity
 * declarations are refused.
 */
export async function openContainer(bytes: Uint8Array, what: string, options: ContainerOptions, doctypes: 'refuse' | 'external-only'): Promise<Container> {
  const label = (part: string) => `${what} part ${part}`;
  const inspect = doctypes === 'refuse' ? createDoctypeScanner(label) : createEntityScanner(label);
  const zip: JSZip = await checkZipInflation(bytes, options.maxInflateRatio, { inspect, ...(options.maxZipEntries ? { maxEntries: options.maxZipEntries } : {}) });
  const optionalText = async (part: string) => {
    const file = zip.file(part);
    if (!file) return undefined;
    try {
      return await file.async('string');
    } catch (err) {
      throw new ExtractError('corrupt', `${label(part)} is damaged: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    has: (part) => zip.file(part) !== null,
    optionalText,
    text: async (part) => {
      const text = await optionalText(part);
      if (text === undefined) throw new ExtractError('corrupt', `${what} has no ${part} part`);
      return text;
    },
    names: () => Object.keys(zip.files).filter((name) => !zip.files[name]!.dir),
  };
}

/** A target named relative to `from` (a part path), as a part path: `../slides/a.xml`, `/x.xml`. */
export function resolvePart(from: string, target: string): string {
  const raw = target.split('#')[0]!;
  let path = raw;
  try {
    path = decodeURIComponent(raw);
  } catch {
    // A malformed %-escape names the part as written.
  }
  const joined = path.startsWith('/') ? path : posix.join(posix.dirname(from), path);
  return posix.normalize(joined).replace(/^\/+/, '');
}

/** The part's OPC relationships (`_rels/<name>.rels`): id → { type, target part }. */
export async function relationships(container: Container, part: string): Promise<Map<string, { type: string; target: string }>> {
  const rels = new Map<string, { type: string; target: string }>();
  const xml = await container.optionalText(posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`));
  if (xml === undefined) return rels;
  walkXml(xml, {
    open: (name, attributes) => {
      if (localName(name) !== 'Relationship' || !attributes.Id || !attributes.Target || attributes.TargetMode === 'External') return;
      rels.set(attributes.Id, { type: attributes.Type ?? '', target: resolvePart(part, attributes.Target) });
    },
  });
  return rels;
}

/** `p:sld` → `sld`: prefixes are the writer's choice, the local name is the element. */
export const localName = (name: string) => name.slice(name.indexOf(':') + 1);
