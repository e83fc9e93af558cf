/**
 * PDF stream filters, decoded only to be counted: every stage of a `/Filter` chain pushes its
 * output, in small chunks, to the next stage and through a `charge` callback that throws once
 * the document's inflate budget is spent. Nothing is kept, so memory stays at a few chunks
 * whatever a stream expands to. Flate is pako (zlib's inflate in JavaScript, incremental and
 * synchronous); the others are small enough to write out, following the PDF spec (7.4) and
 * pdf.js's own decoders, whose output is what is being bounded.
 */
import { Inflate } from 'pako';
import { ExtractError } from './errors.js';
import { PdfName, type PdfDict, type PdfValue } from './pdf-syntax.js';

type Sink = (chunk: Uint8Array) => void;

export interface Decoder {
  write(chunk: Uint8Array): void;
  end(): void;
}

/** Output is gathered up to this size before it is passed on, so each decoder emits few chunks. */
const OUT_CHUNK = 64 * 1024;

/** Collects bytes and hands them on in chunks of OUT_CHUNK. */
class Output {
  private buffer = new Uint8Array(OUT_CHUNK);
  private length = 0;
  constructor(private readonly sink: Sink) {}
  byte(value: number): void {
    this.buffer[this.length++] = value;
    if (this.length === OUT_CHUNK) this.flush();
  }
  flush(): void {
    if (this.length === 0) return;
    this.sink(this.buffer.subarray(0, this.length));
    this.buffer = new Uint8Array(OUT_CHUNK);
    this.length = 0;
  }
}

const isPdfSpace = (byte: number) => byte === 0x00 || byte === 0x09 || byte === 0x0a || byte === 0x0c || byte === 0x0d || byte === 0x20;

/** ASCIIHexDecode: pairs of hex digits; whitespace and junk skipped; `>` ends the data. */
export function asciiHexDecoder(sink: Sink): Decoder {
  const out = new Output(sink);
  let high = -1;
  let done = false;
  return {
    write(chunk) {
      for (let i = 0; i < chunk.length && !done; i++) {
        const c = chunk[i]!;
        let digit: number;
        if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
        else if ((c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)) digit = (c & 0x0f) + 9;
        else {
          if (c === 0x3e) done = true;
          continue;
        }
        if (high < 0) high = digit;
        else {
          out.byte((high << 4) | digit);
          high = -1;
        }
      }
    },
    end() {
      if (high >= 0) out.byte(high << 4);
      out.flush();
    },
  };
}

/** ASCII85Decode: groups of five characters make four bytes, `z` four zeros, `~` ends. */
export function ascii85Decoder(sink: Sink): Decoder {
  const out = new Output(sink);
  const group: number[] = [];
  let done = false;
  const emit = (count: number) => {
    while (group.length < 5) group.push(0x75);
    let value = 0;
    for (const c of group) value = value * 85 + (c - 0x21);
    for (let i = 0; i < count; i++) out.byte((value >>> (24 - 8 * i)) & 0xff);
    group.length = 0;
  };
  return {
    write(chunk) {
      for (let i = 0; i < chunk.length && !done; i++) {
        const c = chunk[i]!;
        if (isPdfSpace(c)) continue;
        if (c === 0x7e) done = true;
        else if (c === 0x7a && group.length === 0) for (let k = 0; k < 4; k++) out.byte(0);
        else if (c >= 0x21 && c <= 0x75) {
          group.push(c);
          if (group.length === 5) emit(4);
        }
      }
    },
    end() {
      if (group.length > 1) emit(group.length - 1);
      out.flush();
    },
  };
}

/** RunLengthDecode: a length byte n, then n + 1 literal bytes (n < 128) or one byte 257 - n times. */
export function runLengthDecoder(sink: Sink): Decoder {
  const out = new Output(sink);
  let literal = 0; // literal bytes still to copy
  let repeat = 0; // when > 0, the next byte is repeated this many times
  let done = false;
  return {
    write(chunk) {
      for (let i = 0; i < chunk.length && !done; i++) {
        const c = chunk[i]!;
        if (literal > 0) {
          out.byte(c);
          literal--;
        } else if (repeat > 0) {
          for (let k = 0; k < repeat; k++) out.byte(c);
          repeat = 0;
        } else if (c < 128) literal = c + 1;
        else if (c > 128) repeat = 257 - c;
        else done = true;
      }
    },
    end() {
      out.flush();
    },
  };
}

/** LZWDecode: 9- to 12-bit codes, most significant bit first, 256 clears, 257 ends. */
export function lzwDecoder(sink: Sink, earlyChange = 1): Decoder {
  const out = new Output(sink);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const lengths = new Uint16Array(4096);
  const scratch = new Uint8Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    lengths[i] = 1;
  }
  let nextCode = 258;
  let codeLength = 9;
  let previous = -1;
  let bits = 0;
  let bitCount = 0;
  let done = false;

  const first = (code: number) => {
    while (prefix[code]! >= 0) code = prefix[code]!;
    return suffix[code]!;
  };
  const emitCode = (code: number) => {
    let length = lengths[code]!;
    for (let c = code; length > 0; c = prefix[c]!) scratch[--length] = suffix[c]!;
    for (let i = 0, n = lengths[code]!; i < n; i++) out.byte(scratch[i]!);
  };
  const onCode = (code: number) => {
    if (code === 256) {
      nextCode = 258;
      codeLength = 9;
      previous = -1;
      return;
    }
    if (code === 257) {
      done = true;
      return;
    }
    if (previous < 0) {
      if (code > 255) {
        done = true; // a stream must start with a literal; pdf.js stops too
        return;
      }
      emitCode(code);
      previous = code;
      return;
    }
    let entry: number;
    if (code < nextCode) {
      entry = code;
    } else if (code === nextCode) {
      entry = -1; // KwKwK: the new string is the previous one plus its own first byte
    } else {
      done = true;
      return;
    }
    if (nextCode < 4096) {
      prefix[nextCode] = previous;
      suffix[nextCode] = first(entry === -1 ? previous : entry);
      lengths[nextCode] = lengths[previous]! + 1;
      nextCode++;
    }
    emitCode(entry === -1 ? nextCode - 1 : entry);
    previous = code;
    if (nextCode + earlyChange >= 1 << codeLength && codeLength < 12) codeLength++;
  };
  return {
    write(chunk) {
      for (let i = 0; i < chunk.length && !done; i++) {
        bits = ((bits << 8) | chunk[i]!) & 0xffffff;
        bitCount += 8;
        while (bitCount >= codeLength && !done) {
          bitCount -= codeLength;
          onCode((bits >>> bitCount) & ((1 << codeLength) - 1));
        }
      }
    },
    end() {
      out.flush();
    },
  };
}

/** FlateDecode through pako. A damaged stream counts what inflated before the damage. */
export function flateDecoder(sink: Sink): Decoder {
  const inflate = new Inflate({ chunkSize: OUT_CHUNK });
  inflate.onData = (chunk) => sink(chunk);
  inflate.onEnd = () => undefined;
  let failed = false;
  const push = (chunk: Uint8Array, last: boolean) => {
    if (failed) return;
    inflate.push(chunk, last);
    if (inflate.err) failed = true;
  };
  return { write: (chunk) => push(chunk, false), end: () => push(new Uint8Array(0), true) };
}

/** Filters pdf.js only runs to draw images: text extraction never reads their streams. */
const IMAGE_FILTERS = new Set(['DCTDecode', 'DCT', 'JPXDecode', 'JBIG2Decode', 'CCITTFaxDecode', 'CCF']);
const ABBREVIATIONS: Record<string, string> = { Fl: 'FlateDecode', LZW: 'LZWDecode', AHx: 'ASCIIHexDecode', A85: 'ASCII85Decode', RL: 'RunLengthDecode' };

export interface FilterStage {
  filter: 'FlateDecode' | 'LZWDecode' | 'ASCIIHexDecode' | 'ASCII85Decode' | 'RunLengthDecode';
  params?: PdfDict;
}

const COUNTED = new Set<string>(['FlateDecode', 'LZWDecode', 'ASCIIHexDecode', 'ASCII85Decode', 'RunLengthDecode']);

/**
 * The stages of a stream's `/Filter` chain that text extraction can run, with their
 * `/DecodeParms`. pdf.js skips filters it does not know (the data passes through unchanged)
 * and image filters end what is decoded for text. `resolve` follows indirect references.
 */
export function filterChain(dict: PdfDict, resolve: (value: PdfValue | undefined) => PdfValue | undefined = (v) => v): FilterStage[] {
  const filter = resolve(dict.get('Filter') ?? dict.get('F'));
  const params = resolve(dict.get('DecodeParms') ?? dict.get('DP'));
  const names = Array.isArray(filter) ? filter.map((f) => resolve(f)) : filter === undefined || filter === null ? [] : [filter];
  const paramList = Array.isArray(params) ? params.map((p) => resolve(p)) : [params];
  const stages: FilterStage[] = [];
  for (const [i, entry] of names.entries()) {
    if (!(entry instanceof PdfName)) {
      throw new ExtractError('inflate_limit', 'a PDF stream names a filter that is not a name: it cannot be counted within the inflate budget, refused');
    }
    if (IMAGE_FILTERS.has(entry.name)) break;
    const name = ABBREVIATIONS[entry.name] ?? entry.name;
    if (!COUNTED.has(name)) continue;
    const stageParams = paramList[Array.isArray(params) ? i : 0];
    stages.push({ filter: name as FilterStage['filter'], ...(stageParams instanceof Map ? { params: stageParams } : {}) });
  }
  // A predictor rewrites a stage's output (never making it longer); counting before it is an
  // upper bound for the last stage, but a later stage would be fed the wrong bytes.
  for (const stage of stages.slice(0, -1)) {
    const predictor = stage.params?.get('Predictor');
    if (typeof predictor === 'number' && predictor > 1) {
      throw new ExtractError('inflate_limit', `a PDF stream applies a predictor (${stage.filter}) before another filter: it cannot be counted within the inflate budget, refused`);
    }
  }
  return stages;
}

function decoderFor(stage: FilterStage, sink: Sink): Decoder {
  switch (stage.filter) {
    case 'FlateDecode':
      return flateDecoder(sink);
    case 'LZWDecode': {
      const early = stage.params?.get('EarlyChange');
      return lzwDecoder(sink, early === 0 ? 0 : 1);
    }
    case 'ASCIIHexDecode':
      return asciiHexDecoder(sink);
    case 'ASCII85Decode':
      return ascii85Decoder(sink);
    case 'RunLengthDecode':
      return runLengthDecoder(sink);
  }
}

const IN_CHUNK = 16 * 1024;

/**
 * Runs `data` through every stage, calling `charge` with the size of each stage's output as
 * it is produced (so a bomb in the middle of a chain is caught as well as one at its end).
 * `charge` throws to stop.
 */
export function countDecoded(data: Uint8Array, stages: readonly FilterStage[], charge: (bytes: number) => void): void {
  let sink: Sink = () => undefined;
  const decoders: Decoder[] = [];
  for (let i = stages.length - 1; i >= 0; i--) {
    const next = sink;
    const decoder = decoderFor(stages[i]!, (chunk) => {
      charge(chunk.byteLength);
      next(chunk);
    });
    decoders.unshift(decoder);
    sink = (chunk) => decoder.write(chunk);
  }
  if (!decoders.length) return;
  for (let at = 0; at < data.byteLength; at += IN_CHUNK) decoders[0]!.write(data.subarray(at, at + IN_CHUNK));
  for (const decoder of decoders) decoder.end();
}
