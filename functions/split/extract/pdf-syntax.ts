/**
 * Just enough PDF syntax to find every stream pdf.js could decode, with its dictionary: objects
 * (`N G obj`), their values (dictionaries, arrays, names, numbers, strings, references), and
 * each stream's data as pdf.js delimits it (`/Length` when `endstream` follows it, else the
 * next `endstream`). The parser is iterative (no recursion for hostile nesting) and the whole
 * scan is bounded: work beyond a few passes over the file is refused, never spent.
 */
import { ExtractError } from './errors.js';

export class PdfName {
  constructor(readonly name: string) {}
}
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
/** A string's bytes are never needed here, only that a string was there. */
export class PdfString {}
export type PdfDict = Map<string, PdfValue>;
export type PdfValue = number | boolean | null | PdfName | PdfRef | PdfString | PdfValue[] | PdfDict;

export interface PdfStream {
  /** Object number of the stream (as written in its header). */
  num: number;
  dict: PdfDict;
  /** Byte range of the raw (still filtered) data. */
  start: number;
  end: number;
  /** How the end was found: a `/Length` that `endstream` follows, else a scan for `endstream`. */
  delimitedBy: 'length' | 'endstream' | 'eof';
  /** Follows indirect references (a few hops) to the objects they name in this file. */
  resolve(value: PdfValue | undefined): PdfValue | undefined;
}

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);
const isRegular = (byte: number | undefined) => byte !== undefined && !WHITESPACE.has(byte) && !DELIMITERS.has(byte);
const isDigit = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x39;

type Token =
  | { t: 'num'; v: number; int: boolean }
  | { t: 'name'; v: string }
  | { t: 'str' }
  | { t: '<<' | '>>' | '[' | ']' | 'eof' }
  | { t: 'kw'; v: string };

/**
 * Lexer over the file's bytes. Every byte it reads is charged to a shared allowance, so that
 * overlapping hostile objects (each parsed from its own header) cannot make the scan quadratic.
 */
class Lexer {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly work: { left: number },
  ) {}

  private charge(from: number): void {
    this.work.left -= this.pos - from;
    if (this.work.left < 0) throw new ExtractError('inflate_limit', 'PDF structure takes too much work to check (overlapping or repeated objects): refused');
  }

  next(): Token {
    const start = this.pos;
    try {
      return this.read();
    } finally {
      this.charge(start);
    }
  }

  private skipSpace(): void {
    const b = this.bytes;
    for (;;) {
      while (this.pos < b.length && WHITESPACE.has(b[this.pos]!)) this.pos++;
      if (b[this.pos] !== 0x25) return;
      while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
    }
  }

  private read(): Token {
    const b = this.bytes;
    this.skipSpace();
    if (this.pos >= b.length) return { t: 'eof' };
    const c = b[this.pos]!;
    switch (c) {
      case 0x5b:
        this.pos++;
        return { t: '[' };
      case 0x5d:
        this.pos++;
        return { t: ']' };
      case 0x3c:
        if (b[this.pos + 1] === 0x3c) {
          this.pos += 2;
          return { t: '<<' };
        }
        while (this.pos < b.length && b[this.pos] !== 0x3e) this.pos++;
        this.pos++;
        return { t: 'str' };
      case 0x3e:
        this.pos += b[this.pos + 1] === 0x3e ? 2 : 1;
        return { t: '>>' };
      case 0x28: {
        // Literal string: balanced parentheses, backslash escapes.
        let depth = 0;
        while (this.pos < b.length) {
          const ch = b[this.pos++]!;
          if (ch === 0x5c) this.pos++;
          else if (ch === 0x28) depth++;
          else if (ch === 0x29 && --depth === 0) break;
        }
        return { t: 'str' };
      }
      case 0x2f: {
        this.pos++;
        let name = '';
        while (isRegular(b[this.pos])) {
          const ch = b[this.pos]!;
          const hex = ch === 0x23 ? Number.parseInt(String.fromCharCode(b[this.pos + 1] ?? 0, b[this.pos + 2] ?? 0), 16) : Number.NaN;
          if (Number.isNaN(hex)) {
            name += String.fromCharCode(ch);
            this.pos++;
          } else {
            name += String.fromCharCode(hex);
            this.pos += 3;
          }
        }
        return { t: 'name', v: name };
      }
    }
    const from = this.pos;
    if (!isRegular(c)) {
      this.pos++; // `{`, `}`, stray `)`: PostScript calculator syntax, not needed here
      return { t: 'kw', v: String.fromCharCode(c) };
    }
    while (isRegular(b[this.pos])) this.pos++;
    const word = Buffer.from(b.buffer, b.byteOffset + from, this.pos - from).toString('latin1');
    const number = numberToken(word);
    return number ?? { t: 'kw', v: word };
  }
}

/** `[+-]digits[.digits]` or `[+-].digits`, checked by a loop (a regex here backtracks on long runs). */
function numberToken(word: string): Token | undefined {
  let i = word[0] === '+' || word[0] === '-' ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < word.length; i++) {
    const ch = word.charCodeAt(i);
    if (ch >= 0x30 && ch <= 0x39) digits++;
    else if (ch === 0x2e && !dot) dot = true;
    else return undefined;
  }
  return digits > 0 ? { t: 'num', v: Number(word), int: !dot } : undefined;
}

/** The value that starts at `lexer.pos`, or undefined where the syntax is broken. */
function parseValue(lexer: Lexer): PdfValue | undefined {
  const stack: Array<PdfValue[] | { dict: PdfDict; key?: string }> = [];
  for (;;) {
    const token = lexer.next();
    let value: PdfValue;
    switch (token.t) {
      case 'eof':
        return undefined;
      case '[':
        stack.push([]);
        continue;
      case '<<':
        stack.push({ dict: new Map() });
        continue;
      case ']': {
        const top = stack.pop();
        if (!Array.isArray(top)) return undefined;
        value = top;
        break;
      }
      case '>>': {
        const top = stack.pop();
        if (!top || Array.isArray(top)) return undefined;
        value = top.dict;
        break;
      }
      case 'num': {
        value = token.v;
        // `N G R` is a reference: look two tokens ahead, and step back when it is not one.
        if (token.int && token.v >= 0) {
          const mark = lexer.pos;
          const gen = lexer.next();
          const r = gen.t === 'num' && gen.int ? lexer.next() : undefined;
          if (gen.t === 'num' && r?.t === 'kw' && r.v === 'R') value = new PdfRef(token.v, gen.v);
          else lexer.pos = mark;
        }
        break;
      }
      case 'name':
        value = new PdfName(token.v);
        break;
      case 'str':
        value = new PdfString();
        break;
      case 'kw':
        if (token.v === 'true' || token.v === 'false') value = token.v === 'true';
        else if (token.v === 'null') value = null;
        else return undefined; // obj, endobj, stream … inside a value: broken syntax
        break;
    }
    const top = stack.at(-1);
    if (!top) return value;
    if (Array.isArray(top)) top.push(value);
    else if (top.key === undefined) {
      // A dictionary key must be a name; pdf.js skips anything else, and so do we.
      if (value instanceof PdfName) top.key = value.name;
    } else {
      top.dict.set(top.key, value);
      top.key = undefined;
    }
  }
}

const OBJ = Buffer.from('obj', 'latin1');
const ENDSTREAM = Buffer.from('endstream', 'latin1');

/** Offsets just past every `N G obj` header, by object number (the last one wins). */
function objectHeaders(bytes: Uint8Array): Array<{ num: number; at: number }> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: Array<{ num: number; at: number }> = [];
  for (let at = text.indexOf(OBJ); at !== -1; at = text.indexOf(OBJ, at + 3)) {
    if (isRegular(bytes[at + 3])) continue; // `objx`
    // Walk back over `<space> G <space> N`, a bounded number of bytes (plain loops: this runs
    // once per `obj` in the file).
    let p = at - 1;
    let from = p;
    while (p >= 0 && from - p < 32 && WHITESPACE.has(bytes[p]!)) p--;
    if (p === from) continue;
    from = p;
    while (p >= 0 && from - p < 10 && isDigit(bytes[p])) p--;
    if (p === from) continue;
    from = p;
    while (p >= 0 && from - p < 32 && WHITESPACE.has(bytes[p]!)) p--;
    if (p === from) continue;
    from = p;
    let num = 0;
    for (let scale = 1; p >= 0 && from - p < 10 && isDigit(bytes[p]); p--, scale *= 10) num += (bytes[p]! - 0x30) * scale;
    if (p === from || isRegular(bytes[p])) continue;
    headers.push({ num, at: at + 3 });
  }
  return headers;
}

/** Sorted offsets of every `endstream`: the next one after any point by binary search. */
function endstreamIndex(bytes: Uint8Array): (from: number) => number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets: number[] = [];
  for (let at = text.indexOf(ENDSTREAM); at !== -1; at = text.indexOf(ENDSTREAM, at + 9)) offsets.push(at);
  return (from) => {
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return offsets[lo] ?? -1;
  };
}

/** How many passes over the file the structure scan may take before the file is refused. */
const WORK_PASSES = 4;
const WORK_FLOOR_BYTES = 1024 * 1024;

/**
 * Every stream in the file, in file order, including streams whose header sits inside another
 * stream's data (pdf.js reaches objects through the cross-reference table, which may point
 * anywhere, so nothing is skipped).
 */
export function* pdfStreams(bytes: Uint8Array): Generator<PdfStream> {
  const work = { left: bytes.byteLength * WORK_PASSES + WORK_FLOOR_BYTES };
  const headers = objectHeaders(bytes);
  const byNumber = new Map(headers.map((h) => [h.num, h.at]));
  const nextEndstream = endstreamIndex(bytes);
  const resolve = (value: PdfValue | undefined): PdfValue | undefined => {
    for (let hops = 0; value instanceof PdfRef && hops < 8; hops++) {
      const at = byNumber.get(value.num);
      value = at === undefined ? undefined : parseValue(new Lexer(bytes, at, work));
    }
    return value instanceof PdfRef ? undefined : value;
  };
  const resolveLength = (value: PdfValue | undefined): number | undefined => {
    value = resolve(value);
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
  };

  for (const { num, at } of headers) {
    const lexer = new Lexer(bytes, at, work);
    const dict = parseValue(lexer);
    if (!(dict instanceof Map)) continue;
    const keyword = lexer.next();
    if (keyword.t !== 'kw' || keyword.v !== 'stream') continue;
    // pdf.js starts the data after the end of the line that holds `stream`, whatever else
    // (spaces, junk) is on that line: so do we.
    let start = lexer.pos;
    while (start < bytes.length && bytes[start] !== 0x0a && bytes[start] !== 0x0d) start++;
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] === 0x0a) start++;
    start = Math.min(start, bytes.length);

    const length = resolveLength(dict.get('Length'));
    if (length !== undefined && start + length <= bytes.length) {
      const after = new Lexer(bytes, start + length, work).next();
      if (after.t === 'kw' && after.v === 'endstream') {
        yield { num, dict, start, end: start + length, delimitedBy: 'length', resolve };
        continue;
      }
    }
    // No /Length, or one that `endstream` does not follow: pdf.js then looks for `endstream`.
    const end = nextEndstream(start);
    yield { num, dict, start, end: end === -1 ? bytes.length : end, delimitedBy: end === -1 ? 'eof' : 'endstream', resolve };
  }
}
