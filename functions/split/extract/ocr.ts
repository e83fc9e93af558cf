/**
 * OCR of one document: scanned PDF pages rendered by poppler's `pdftoppm`, images read by
 * Tesseract (Debian's `tesseract-ocr`; bench/ocr-compare.ts measured it against tesseract.js:
 * as accurate, faster, no wasm).
 * Both run as programs through execFile with the bytes on stdin and the result on stdout, so
 * nothing is written to disk and a killed parser process leaves nothing behind. Each run gets
 * what is left of the document's OCR deadline (OCR_TIMEOUT_MS) and is killed when it is over;
 * outputs are bounded; and the programs inherit the parser process's memory limit
 * (RLIMIT_DATA, worker/pool.ts). Pages are counted against MAX_OCR_PAGES before any is read.
 */
import { execFile } from 'node:child_process';
import { ExtractError } from './errors.js';

export interface OcrLimits {
  /** OCR_ENABLED. */
  enabled: boolean;
  /** Tesseract's `-l`: `eng`, `eng+deu` (OCR_LANGUAGES). */
  languages: string;
  /** All OCR of one document, from its first page (OCR_TIMEOUT_MS). */
  timeoutMs: number;
  /** Pages or image frames one document may have to OCR (MAX_OCR_PAGES). */
  maxPages: number;
  /** Rendering resolution of PDF pages (OCR_DPI). */
  dpi: number;
  /** Largest image or rendered page, in pixels (OCR_MAX_PIXELS). */
  maxPixels: number;
}

/** Told when the first OCR of a document starts: its deadline starts then too (worker/pool.ts extends its own). */
export interface OcrEvents {
  started?(): void;
}

export interface Ocr {
  readonly limits: OcrLimits;
  /** Why OCR cannot run here (turned off, a program or language missing); undefined when it can. */
  unavailable(needsRenderer: boolean): Promise<string | undefined>;
  /** Counts `pages` against MAX_OCR_PAGES, before any is read; `what` says what they are. */
  reserve(pages: number, what: string): void;
  /** One page of a PDF as a grey PNG, `width` × `height` points, at OCR_DPI or less (OCR_MAX_PIXELS). */
  renderPdfPage(pdf: Uint8Array, page: number, size: { width: number; height: number }): Promise<Uint8Array>;
  /** The text of an image (PNG, JPEG, TIFF); a multi-page TIFF's pages are separated by form feeds. */
  recognize(image: Uint8Array, what: string): Promise<string>;
}

/** Tesseract's text of a page is a few KB; this is far beyond any real page. */
const MAX_TEXT_BYTES = 8 * 1024 * 1024;
const PROBE_TIMEOUT_MS = 15_000;
const POINTS_PER_INCH = 72;

export function createOcr(limits: OcrLimits, events: OcrEvents = {}): Ocr {
  let reserved = 0;
  let done = 0;
  let deadline: number | undefined;

  const remaining = (): number => {
    if (deadline === undefined) {
      deadline = Date.now() + limits.timeoutMs;
      events.started?.();
    }
    const left = deadline - Date.now();
    if (left <= 0) throw overDeadline();
    return left;
  };
  const overDeadline = () =>
    new ExtractError('deadline', `OCR did not finish within ${limits.timeoutMs} ms (OCR_TIMEOUT_MS): ${done} of ${reserved} pages read`);

  const run = async (tool: string, args: string[], input: Uint8Array, maxOutput: number, what: string): Promise<Buffer> => {
    try {
      return await runTool(tool, args, input, remaining(), maxOutput);
    } catch (err) {
      if (err instanceof ExtractError) throw err;
      const failure = err as ToolFailure;
      if (failure.timedOut) throw overDeadline();
      if (failure.code === 'ENOENT') throw new Error(`${tool} is not installed (found on PATH before, gone now)`);
      if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        throw new ExtractError(tool === 'tesseract' ? 'too_much_text' : 'image_too_large', `${tool} wrote more than ${maxOutput} bytes for ${what}`);
      }
      const why = failure.signal ? `was killed by ${failure.signal}` : `failed (exit code ${String(failure.code)})`;
      throw new ExtractError('corrupt', `${tool} ${why} on ${what}: ${lastLine(failure.stderr)}`);
    }
  };

  return {
    limits,
    unavailable: async (needsRenderer) => (limits.enabled ? (await probe(limits.languages, needsRenderer)).missing : 'OCR is turned off (OCR_ENABLED=false)'),
    reserve(pages, what) {
      const before = reserved;
      reserved += pages;
      if (reserved > limits.maxPages) {
        const earlier = before > 0 ? ` (with the ${before} before them in this document)` : '';
        throw new ExtractError('too_many_scanned_pages', `${what}${earlier}: more pages to OCR than the ${limits.maxPages} a document may have (MAX_OCR_PAGES), refused before any of them was read`);
      }
    },
    async renderPdfPage(pdf, page, size) {
      const pixelsAtDpi = ((size.width * limits.dpi) / POINTS_PER_INCH) * ((size.height * limits.dpi) / POINTS_PER_INCH);
      // A page of a square metre would be 60 megapixels at 200 dpi: render it coarser instead.
      const dpi = pixelsAtDpi > limits.maxPixels ? limits.dpi * Math.sqrt(limits.maxPixels / pixelsAtDpi) : limits.dpi;
      // A grey PNG is at most a byte a pixel plus a little per row and block.
      const maxPng = Math.ceil(limits.maxPixels * 1.05) + 1024 * 1024;
      const args = ['-r', dpi.toFixed(2), '-gray', '-png', '-f', String(page), '-l', String(page), '-singlefile', '-'];
      return run('pdftoppm', args, pdf, maxPng, `page ${page}`);
    },
    async recognize(image, what) {
      // Page segmentation 1 (automatic, with orientation detection) reads a page scanned upside
      // down or sideways, which 3 turns into noise; it needs osd.traineddata (tesseract-ocr depends on it).
      const psm = (await probe(limits.languages, false)).osd ? '1' : '3';
      const text = await run('tesseract', ['stdin', 'stdout', '--psm', psm, '-l', limits.languages], image, MAX_TEXT_BYTES, what);
      done += 1;
      return text.toString('utf8');
    },
  };
}

/** Tesseract's page text as prose: words hyphenated across a line break joined, no blank runs. */
export function tidyOcrText(text: string): string {
  return text
    .replace(/(\p{L})-\n(\p{Ll})/gu, '$1$2')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

interface Probe {
  /** Why OCR cannot run, when it cannot. */
  missing?: string;
  /** Orientation and script detection is installed (osd.traineddata). */
  osd: boolean;
}

/** Once a process: which programs and languages are there, asked of the programs themselves. */
const probes = new Map<string, Promise<Probe>>();

function probe(languages: string, needsRenderer: boolean): Promise<Probe> {
  const key = `${languages}|${needsRenderer}`;
  let found = probes.get(key);
  if (!found) {
    found = (async (): Promise<Probe> => {
      let listed: string;
      try {
        listed = (await runTool('tesseract', ['--list-langs'], new Uint8Array(), PROBE_TIMEOUT_MS, 64 * 1024)).toString('utf8');
      } catch (err) {
        const missing = (err as ToolFailure).code === 'ENOENT' ? 'tesseract is not installed (install tesseract-ocr; make install does)' : `tesseract does not run: ${(err as Error).message}`;
        return { missing, osd: false };
      }
      // "List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (2):\neng\nosd"
      const installed = new Set(listed.split('\n').slice(1).map((l) => l.trim()).filter(Boolean));
      const osd = installed.has('osd');
      const absent = languages.split('+').filter((l) => !installed.has(l));
      if (absent.length) {
        return { missing: `tesseract has no traineddata for ${absent.join(', ')} (OCR_LANGUAGES=${languages}; installed: ${[...installed].join(', ') || 'none'}; install tesseract-ocr-${absent[0]})`, osd };
      }
      if (needsRenderer) {
        try {
          await runTool('pdftoppm', ['-v'], new Uint8Array(), PROBE_TIMEOUT_MS, 64 * 1024);
        } catch (err) {
          const missing = (err as ToolFailure).code === 'ENOENT' ? 'pdftoppm is not installed (install poppler-utils; make install does)' : `pdftoppm does not run: ${(err as Error).message}`;
          return { missing, osd };
        }
      }
      return { osd };
    })();
    probes.set(key, found);
  }
  return found;
}

interface ToolFailure extends Error {
  code?: string | number | null;
  signal?: NodeJS.Signals | null;
  timedOut?: boolean;
  stderr?: string;
}

/**
 * `command args` with `input` on stdin; its stdout. Killed (SIGKILL) after `timeoutMs`, or when
 * it writes more than `maxOutput` bytes. One OpenMP thread: Tesseract's default of one per core
 * spins on a busy machine and was 3 to 10 times slower than one thread on the two-core bench
 * machine (docs/performance.md, OCR), and split already parses SPLIT_WORKERS documents side by side.
 */
function runTool(command: string, args: string[], input: Uint8Array, timeoutMs: number, maxOutput: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = execFile(
      command,
      args,
      { encoding: 'buffer', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: maxOutput, env: { ...process.env, OMP_THREAD_LIMIT: '1' } },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const failure = err as ToolFailure & { killed?: boolean };
        failure.stderr = stderr.toString('utf8');
        failure.timedOut = failure.killed === true && failure.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' && Date.now() - started >= timeoutMs - 50;
        reject(failure);
      },
    );
    // A program that exits before reading all of its input (a bad image) closes the pipe: EPIPE is its exit status's business.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

function lastLine(text: string | undefined): string {
  const lines = (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.at(-1) ?? 'no message').slice(0, 300);
}
