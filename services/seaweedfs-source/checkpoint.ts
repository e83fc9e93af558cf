/**
 * Where the source remembers how far it got: the `ts_ns` of the last filer event whose
 * CloudEvents the sink accepted. On restart the subscription resumes from it (`since_ns`), so
 * nothing is missed; events at the checkpoint itself may be sent again (at-least-once).
 *
 * In the cluster the checkpoint lives in the filer's own key-value store, so the source needs
 * no volume; a file-backed store serves tests and single-machine runs.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../lib/log.js';
import type { FilerClient } from './filer-client.js';

export interface CheckpointStore {
  /** The saved `ts_ns` (decimal string), or undefined on the first run. */
  load(): Promise<string | undefined>;
  save(tsNs: string): Promise<void>;
  /** Human-readable location, for logs. */
  readonly description: string;
}

interface Stored {
  sinceNs: string;
  savedAt: string;
}

function encode(tsNs: string): Buffer {
  const value: Stored = { sinceNs: tsNs, savedAt: new Date().toISOString() };
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function decode(raw: Buffer | string, where: string): string {
  const text = raw.toString().trim();
  // Accept a bare number too (handy when an operator sets it by hand).
  if (/^\d+$/.test(text)) return text;
  const parsed = JSON.parse(text) as Partial<Stored>;
  if (typeof parsed.sinceNs !== 'string' || !/^\d+$/.test(parsed.sinceNs)) {
    throw new Error(`malformed checkpoint in ${where}: ${text.slice(0, 200)}`);
  }
  return parsed.sinceNs;
}

export function checkpointKey(clientName: string): string {
  return `sluice/source/${clientName}/checkpoint`;
}

/** Checkpoint in the filer KV store under `sluice/source/<clientName>/checkpoint`. */
export class FilerKvCheckpointStore implements CheckpointStore {
  readonly key: string;
  readonly description: string;

  constructor(
    private readonly filer: Pick<FilerClient, 'kvGet' | 'kvPut'>,
    clientName: string,
  ) {
    this.key = checkpointKey(clientName);
    this.description = `filer kv ${this.key}`;
  }

  async load(): Promise<string | undefined> {
    const raw = await this.filer.kvGet(this.key);
    return raw === undefined ? undefined : decode(raw, this.description);
  }

  async save(tsNs: string): Promise<void> {
    await this.filer.kvPut(this.key, encode(tsNs));
  }
}

/** Checkpoint in a local JSON file, replaced atomically. */
export class FileCheckpointStore implements CheckpointStore {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `file ${path}`;
  }

  async load(): Promise<string | undefined> {
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return decode(raw, this.description);
  }

  async save(tsNs: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, encode(tsNs));
    await rename(tmp, this.path);
  }
}

export interface CheckpointerOptions {
  /** Save at most this long after the first unsaved advance (ms). */
  maxDelayMs?: number;
  /** Save at once after this many advances. */
  maxPending?: number;
  log: Logger;
}

/**
 * Batches checkpoint writes: `advance(ts)` after each filer event is handled; the store is
 * written at most every `maxDelayMs` or after `maxPending` advances, and on `flush()`.
 * A failed write is logged and retried with the next batch (the checkpoint only lags).
 */
export class Checkpointer {
  private saved: bigint;
  private latest: bigint;
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxDelayMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly store: CheckpointStore,
    initial: string,
    private readonly opts: CheckpointerOptions,
  ) {
    this.saved = BigInt(initial);
    this.latest = this.saved;
    this.maxDelayMs = opts.maxDelayMs ?? 500;
    this.maxPending = opts.maxPending ?? 100;
  }

  /** The newest handled timestamp (saved or not): where a resubscription resumes. */
  get position(): string {
    return this.latest.toString();
  }

  advance(tsNs: string): void {
    const ts = BigInt(tsNs);
    if (ts <= this.latest) return;
    this.latest = ts;
    this.pending += 1;
    if (this.pending >= this.maxPending) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.maxDelayMs);
      this.timer.unref();
    }
  }

  /** Writes the newest position if it is not saved yet; resolves when written (or failed). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing.then(async () => {
      const target = this.latest;
      if (target <= this.saved) return;
      this.pending = 0;
      try {
        await this.store.save(target.toString());
        this.saved = target;
        this.opts.log.debug({ sinceNs: target.toString() }, 'checkpoint saved');
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message, store: this.store.description }, 'checkpoint save failed');
        // Try again with the next batch.
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), this.maxDelayMs);
          this.timer.unref();
        }
      }
    });
    return this.writing;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
