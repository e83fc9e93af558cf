import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Checkpointer, FileCheckpointStore, FilerKvCheckpointStore, checkpointKey, type CheckpointStore } from './checkpoint.js';

const log = pino({ level: 'silent' });

class MemoryStore implements CheckpointStore {
  readonly description = 'memory';
  saves: string[] = [];
  failNext = 0;
  async load() {
    return this.saves.at(-1);
  }
  async save(ts: string) {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('filer down');
    }
    this.saves.push(ts);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('checkpoint stores', () => {
  test('file store: missing → undefined, then round-trips', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-ckpt-'));
    try {
      const store = new FileCheckpointStore(join(dir, 'nested', 'ckpt.json'));
      assert.equal(await store.load(), undefined);
      await store.save('1795875848271730254');
      assert.equal(await store.load(), '1795875848271730254');
      assert.equal(JSON.parse(await readFile(join(dir, 'nested', 'ckpt.json'), 'utf8')).sinceNs, '1795875848271730254');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('filer KV store: key sluice/source/<client>/checkpoint, JSON value', async () => {
    const kv = new Map<string, Buffer>();
    const filer = {
      kvGet: async (k: string) => kv.get(k),
      kvPut: async (k: string, v: Buffer) => void kv.set(k, v),
    };
    const store = new FilerKvCheckpointStore(filer, 'my-source');
    assert.equal(checkpointKey('my-source'), 'sluice/source/my-source/checkpoint');
    assert.equal(await store.load(), undefined);
    await store.save('42');
    assert.equal(JSON.parse(kv.get('sluice/source/my-source/checkpoint')!.toString()).sinceNs, '42');
    assert.equal(await store.load(), '42');
    kv.set('sluice/source/my-source/checkpoint', Buffer.from('77'));
    assert.equal(await store.load(), '77');
    kv.set('sluice/source/my-source/checkpoint', Buffer.from('{"sinceNs":1}'));
    await assert.rejects(store.load(), /malformed checkpoint/);
  });
});

describe('Checkpointer', () => {
  test('batches writes by time', async () => {
    const store = new MemoryStore();
    const cp = new Checkpointer(store, '0', { log, maxDelayMs: 50, maxPending: 100 });
    cp.advance('1');
    cp.advance('2');
    cp.advance('3');
    assert.deepEqual(store.saves, []);
    assert.equal(cp.position, '3');
    await sleep(120);
    assert.deepEqual(store.saves, ['3']);
    cp.close();
  });

  test('writes at once after maxPending advances', async () => {
    const store = new MemoryStore();
    const cp = new Checkpointer(store, '0', { log, maxDelayMs: 10_000, maxPending: 3 });
    for (const ts of ['10', '11', '12']) cp.advance(ts);
    await sleep(10);
    assert.deepEqual(store.saves, ['12']);
    cp.close();
  });

  test('never goes backwards; flush writes only what is new', async () => {
    const store = new MemoryStore();
    const cp = new Checkpointer(store, '100', { log, maxDelayMs: 10_000 });
    cp.advance('99');
    await cp.flush();
    assert.deepEqual(store.saves, []);
    cp.advance('1795875848271730254');
    await cp.flush();
    await cp.flush();
    assert.deepEqual(store.saves, ['1795875848271730254']);
    cp.close();
  });

  test('a failed write is retried with the next batch', async () => {
    const store = new MemoryStore();
    store.failNext = 1;
    const cp = new Checkpointer(store, '0', { log, maxDelayMs: 20 });
    cp.advance('5');
    await cp.flush();
    assert.deepEqual(store.saves, []);
    await sleep(80);
    assert.deepEqual(store.saves, ['5']);
    cp.close();
  });
});
