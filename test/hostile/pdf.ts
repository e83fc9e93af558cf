/**
 * A minimal PDF writer for hostile test files: numbered objects in, a file with a correct
 * cross-reference table out, optionally encrypted with the standard security handler (RC4,
 * revision 2) so readers ask for a password.
 */
import { createHash } from 'node:crypto';

export type PdfObject = string | PdfStreamObject;

export interface PdfStreamObject {
  dict: string;
  stream: Uint8Array;
  /** What follows the `stream` keyword before the data (default a line feed). */
  afterKeyword?: string;
  /** The `/Length` entry's value as written (default the true length); null leaves it out. */
  length?: string | null;
}

export interface PdfOptions {
  /** Extra trailer entries, e.g. `/Encrypt 9 0 R`. */
  trailer?: string;
  /** Catalog object number (default 1). */
  root?: number;
}

/** Objects are numbered from 1 in array order. */
export function buildPdf(objects: readonly PdfObject[], options: PdfOptions = {}): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(offset);
    const body =
      typeof object === 'string'
        ? Buffer.from(`${i + 1} 0 obj\n${object}\nendobj\n`, 'latin1')
        : Buffer.concat([
            Buffer.from(`${i + 1} 0 obj\n${withLength(object)}\nstream${object.afterKeyword ?? '\n'}`, 'latin1'),
            Buffer.from(object.stream),
            Buffer.from('\nendstream\nendobj\n', 'latin1'),
          ]);
    parts.push(body);
    offset += body.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(
    Buffer.from(
      `${xref}trailer\n<< /Size ${objects.length + 1} /Root ${options.root ?? 1} 0 R ${options.trailer ?? ''} >>\nstartxref\n${offset}\n%%EOF\n`,
      'latin1',
    ),
  );
  return new Uint8Array(Buffer.concat(parts));
}

function withLength(object: PdfStreamObject): string {
  const length = object.length === undefined ? String(object.stream.byteLength) : object.length;
  return length === null ? object.dict : object.dict.replace(/>>\s*$/, ` /Length ${length} >>`);
}

/** A one-page PDF whose page shows `text` in Helvetica. */
export function textPdf(text: string): Uint8Array {
  return buildPdf(textPdfObjects(text));
}

export function textPdfObjects(text: string): PdfObject[] {
  const content = `BT /F1 12 Tf 72 720 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  return [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    { dict: '<< >>', stream: Buffer.from(content, 'latin1') },
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
}

const PASSWORD_PADDING = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
const FILE_ID = Buffer.from('5e1ce5ee5e1ce5ee5e1ce5ee5e1ce5ee', 'hex');

/**
 * `text` on one page, encrypted (40-bit RC4, standard security handler revision 2) with a user
 * password, so no reader can open it without that password.
 */
export function encryptedPdf(text: string, userPassword: string, ownerPassword: string): Uint8Array {
  const pad = (password: string) => Buffer.concat([Buffer.from(password, 'latin1'), PASSWORD_PADDING]).subarray(0, 32);
  const permissions = -4;
  const ownerKey = md5(pad(ownerPassword)).subarray(0, 5);
  const O = rc4(ownerKey, pad(userPassword));
  const P = Buffer.alloc(4);
  P.writeInt32LE(permissions);
  const fileKey = md5(Buffer.concat([pad(userPassword), O, P, FILE_ID])).subarray(0, 5);
  const U = rc4(fileKey, PASSWORD_PADDING);

  const objects = textPdfObjects(text);
  // Strings and streams are encrypted with a key derived from the file key and object number.
  const objectKey = (num: number) => md5(Buffer.concat([fileKey, Buffer.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, 0, 0])])).subarray(0, 10);
  const encrypted = objects.map((object, i) => (typeof object === 'string' ? object : { dict: object.dict, stream: rc4(objectKey(i + 1), Buffer.from(object.stream)) }));
  encrypted.push(`<< /Filter /Standard /V 1 /R 2 /O <${O.toString('hex')}> /U <${U.toString('hex')}> /P ${permissions} >>`);
  return buildPdf(encrypted, { trailer: `/Encrypt ${encrypted.length} 0 R /ID [<${FILE_ID.toString('hex')}> <${FILE_ID.toString('hex')}>]` });
}

function md5(data: Buffer): Buffer {
  return createHash('md5').update(data).digest();
}

/** RC4 (OpenSSL 3 keeps it in the legacy provider, so it is written out here). */
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}
