/**
 * RTF: a single forward pass over the control words (no maintained npm RTF reader exists; the
 * ones there were last published years ago and build a document tree first). Text of the body
 * in its code page (`\ansicpg`, `\'hh`, `\uN` with its `\ucN` fallback skipped), paragraphs kept,
 * headings from `\outlinelevelN`, tables (`\cell`, `\row`) as Markdown rows. Destinations that
 * are not text (font and colour tables, style sheet, pictures, field instructions, `\*`
 * extensions, headers and footers) are skipped. Group nesting is bounded by MAX_NESTING_DEPTH.
 */
import { ExtractError } from './errors.js';
import type { Section } from './section.js';
import { tableSection } from './table.js';

export interface RtfOptions {
  maxNestingDepth: number;
}

const SKIPPED_DESTINATIONS = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'fldinst', 'header', 'headerl', 'headerr', 'headerf',
  'footer', 'footerl', 'footerr', 'footerf', 'listtable', 'listoverridetable', 'revtbl', 'rsidtbl', 'generator',
  'themedata', 'colorschememapping', 'latentstyles', 'datastore', 'xmlnstbl', 'filetbl', 'pgdsctbl', 'bkmkstart', 'bkmkend',
  'xe', 'tc', 'txe', 'nonshppict', 'shppict', 'blipuid', 'mmathPr', 'private',
]);
const SYMBOLS: Record<string, string> = { '~': '\u00a0', '_': '\u2011', '-': '', '{': '{', '}': '}', '\\': '\\', '\n': '\n', '\r': '\n', tab: '\t', emdash: '—', endash: '–', bullet: '•', lquote: '‘', rquote: '’', ldblquote: '“', rdblquote: '”', emspace: ' ', enspace: ' ', qmspace: ' ' };

interface GroupState {
  skip: boolean;
  uc: number;
}

export function extractRtf(source: string, options: RtfOptions): Section[] {
  const sections: Section[] = [];
  const path: string[] = [];
  let codepage = 1252;
  let decoder = new TextDecoder('windows-1252');
  const stack: GroupState[] = [];
  let state: GroupState = { skip: false, uc: 1 };
  let text = '';
  let bytes: number[] = [];
  let paragraph = '';
  let lines: string[] = [];
  let outline: number | undefined;
  let inTable = false;
  let row: string[] = [];
  let rows: string[][] = [];
  let pendingSkip = 0;
  let destinationStart = false;

  const place = () => (path.length ? { heading: path.join(' › ') } : {});
  const decodeBytes = () => {
    if (bytes.length) text += decoder.decode(Uint8Array.from(bytes));
    bytes = [];
  };
  const emit = (chars: string) => {
    if (state.skip) return;
    if (pendingSkip > 0) {
      pendingSkip--;
      return;
    }
    decodeBytes();
    text += chars;
  };
  const flushText = () => {
    const out = lines.join('\n').trim();
    if (out) sections.push({ text: out, ...place() });
    lines = [];
  };
  const flushTable = () => {
    if (!rows.length) return;
    flushText();
    const section = tableSection(rows, place());
    if (section) sections.push(section);
    rows = [];
  };
  const endParagraph = () => {
    decodeBytes();
    paragraph += text;
    text = '';
    if (inTable) return;
    flushTable();
    const line = paragraph.replace(/[ \t]+/g, ' ').trim();
    paragraph = '';
    if (outline !== undefined && line) {
      flushText();
      path.splice(outline, path.length, line);
      for (let i = path.length - 1; i >= 0; i--) if (path[i] === undefined) path.splice(i, 1);
    }
    lines.push(line);
  };

  const length = source.length;
  let at = 0;
  while (at < length) {
    const ch = source[at]!;
    if (ch === '{') {
      stack.push(state);
      if (stack.length > options.maxNestingDepth) throw new ExtractError('too_deep', `RTF groups are nested more than ${options.maxNestingDepth} deep (MAX_NESTING_DEPTH)`);
      state = { ...state };
      destinationStart = true;
      at++;
      continue;
    }
    if (ch === '}') {
      decodeBytes();
      state = stack.pop() ?? state;
      destinationStart = false;
      at++;
      continue;
    }
    if (ch === '\\') {
      const next = source[at + 1] ?? '';
      if (/[a-zA-Z]/.test(next)) {
        let end = at + 1;
        while (end < length && end - at < 34 && /[a-zA-Z]/.test(source[end]!)) end++;
        const word = source.slice(at + 1, end);
        let numberEnd = end;
        if (source[numberEnd] === '-') numberEnd++;
        while (numberEnd < length && numberEnd - end < 11 && source[numberEnd]! >= '0' && source[numberEnd]! <= '9') numberEnd++;
        const parameter = numberEnd > end && source[numberEnd - 1] !== '-' ? Number(source.slice(end, numberEnd)) : undefined;
        at = source[numberEnd] === ' ' ? numberEnd + 1 : numberEnd;
        const first = destinationStart;
        destinationStart = false;
        if (first && SKIPPED_DESTINATIONS.has(word)) {
          state.skip = true;
          continue;
        }
        switch (word) {
          case 'ansicpg':
            if (parameter !== undefined && parameter !== codepage) {
              try {
                decoder = new TextDecoder(`windows-${parameter}`);
                codepage = parameter;
              } catch {
                // A code page TextDecoder does not know: keep Windows-1252.
              }
            }
            break;
          case 'uc':
            state.uc = Math.max(0, Math.min(parameter ?? 1, 10));
            break;
          case 'u':
            if (parameter !== undefined) {
              emit(String.fromCharCode(parameter < 0 ? parameter + 65536 : parameter));
              if (!state.skip) pendingSkip = state.uc;
            }
            break;
          case 'bin':
            // Binary data of the given length: never text.
            at += Math.max(0, parameter ?? 0);
            break;
          case 'par':
          case 'sect':
          case 'page':
            if (!state.skip) endParagraph();
            break;
          case 'line':
            emit('\n');
            break;
          case 'pard':
            outline = undefined;
            inTable = false;
            break;
          case 'outlinelevel':
            outline = parameter !== undefined && parameter >= 0 && parameter < 9 ? parameter : undefined;
            break;
          case 'intbl':
            inTable = true;
            break;
          case 'cell':
          case 'nestcell':
            if (!state.skip) {
              decodeBytes();
              row.push((paragraph + text).trim());
              paragraph = '';
              text = '';
            }
            break;
          case 'row':
          case 'nestrow':
            if (!state.skip) {
              rows.push(row);
              row = [];
            }
            break;
          default: {
            const symbol = SYMBOLS[word];
            if (symbol !== undefined) emit(symbol);
          }
        }
        continue;
      }
      if (next === '*') {
        // An optional destination: skipped when it is one we do not know (all of them, here).
        if (destinationStart) state.skip = true;
        at += 2;
        continue;
      }
      destinationStart = false;
      if (next === "'") {
        const hex = source.slice(at + 2, at + 4);
        at += 4;
        if (state.skip) continue;
        if (pendingSkip > 0) {
          pendingSkip--;
          continue;
        }
        if (/^[0-9a-fA-F]{2}$/.test(hex)) bytes.push(Number.parseInt(hex, 16));
        continue;
      }
      at += 2;
      if (next === '\n' || next === '\r') {
        if (!state.skip) endParagraph();
        continue;
      }
      const symbol = SYMBOLS[next];
      if (symbol !== undefined) emit(symbol);
      continue;
    }
    destinationStart = false;
    at++;
    if (ch === '\r' || ch === '\n') continue;
    emit(ch);
  }
  endParagraph();
  inTable = false;
  flushTable();
  flushText();
  return sections;
}
