/**
 * What a zip container is, read from its structure without inflating anything: the entry names
 * of its central directory, and the stored `mimetype` entry that OpenDocument and EPUB put
 * first. Used by detection (detect.ts), which must be cheap and synchronous.
 */

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record (22 bytes) follows a comment of at most 65 535 bytes. */
const EOCD_SEARCH = 22 + 0xffff;
/** Names read: enough to recognise a container, bounded whatever the directory claims. */
const MAX_NAMES = 10_000;

/** The entry names of the central directory, or undefined when it cannot be found or read. */
export function zipEntryNames(bytes: Uint8Array): string[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const floor = Math.max(0, bytes.byteLength - EOCD_SEARCH);
  for (let at = bytes.byteLength - 22; at >= floor; at--) {
    if (view.getUint32(at, true) !== EOCD) continue;
    const count = view.getUint16(at + 10, true);
    let offset = view.getUint32(at + 16, true);
    const names: string[] = [];
    for (let i = 0; i < Math.min(count, MAX_NAMES); i++) {
      if (offset + 46 > bytes.byteLength || view.getUint32(offset, true) !== CENTRAL) return names.length ? names : undefined;
      const nameLength = view.getUint16(offset + 28, true);
      const extra = view.getUint16(offset + 30, true);
      const comment = view.getUint16(offset + 32, true);
      names.push(Buffer.from(bytes.subarray(offset + 46, offset + 46 + nameLength)).toString('utf8'));
      offset += 46 + nameLength + extra + comment;
    }
    return names;
  }
  return undefined;
}

/**
 * The `mimetype` of an OpenDocument or EPUB file: by both specs the first entry, stored
 * uncompressed, so its content sits right after the first local header.
 */
export function storedMimetype(bytes: Uint8Array): string | undefined {
  if (bytes.byteLength < 30) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== LOCAL || view.getUint16(8, true) !== 0) return undefined;
  const size = view.getUint32(18, true);
  const nameLength = view.getUint16(26, true);
  const extra = view.getUint16(28, true);
  const name = Buffer.from(bytes.subarray(30, 30 + nameLength)).toString('latin1');
  if (name !== 'mimetype' || size > 200) return undefined;
  const start = 30 + nameLength + extra;
  return Buffer.from(bytes.subarray(start, start + size)).toString('latin1').trim();
}
