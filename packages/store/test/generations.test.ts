import { readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreError } from '@codesearch/core';
import { type LockHolder, withFileLock } from '@codesearch/fs';
import { describe, expect, it } from 'vitest';
import { type CodeIndex, type IndexRecord, MARKER_FILE, openCodeIndex } from '../src/index.js';
import { MODEL, readMarkerJson, record, storeError, tableDir, tempDir, track, unit } from './helpers.js';

function named(prefix: string, count: number): IndexRecord[] {
  return Array.from({ length: count }, (_, i) =>
    record({ file: `${prefix}.py`, line: i * 10 + 1, name: `${prefix}_${i}`, vector: unit(1, i, count) }),
  );
}

async function keysOf(index: CodeIndex): Promise<string[]> {
  const hits = await index.search(
    { text: '', vector: unit(1, 1, 1, 1, 1, 1, 1, 1) },
    { mode: 'vector', k: 1000 },
  );
  return hits.map((hit) => hit.locationKey).sort();
}

const sortedKeys = (records: IndexRecord[]) => records.map((r) => r.locationKey).sort();

async function generations(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('gen-')).sort();
}

describe('first build', () => {
  it('nothing is on disk until the first sync: create: false then says INDEX_NOT_FOUND', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    expect(await readdir(dir)).toEqual([]);
    expect((await storeError(openCodeIndex(dir, { model: MODEL, create: false }))).code).toBe(
      'INDEX_NOT_FOUND',
    );
    await index.sync(named('a', 3));
    expect(await readMarkerJson(dir)).toMatchObject({
      format: 'codesearch-index/3',
      modelName: MODEL.modelName,
      modelVersion: MODEL.modelVersion,
      dimensions: MODEL.dimensions,
    });
    expect(await generations(dir)).toEqual([(await readMarkerJson(dir)).generation]);
    const reader = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect(await keysOf(reader)).toEqual(sortedKeys(named('a', 3)));
  });

  it('a handle that found no index syncs into the one another handle created meanwhile (no second generation)', async () => {
    const dir = join(await tempDir(), 'idx');
    const a = track(await openCodeIndex(dir, { model: MODEL }));
    const b = track(await openCodeIndex(dir, { model: MODEL }));
    const records = named('a', 4);
    expect(await a.sync(records)).toMatchObject({ added: 4 });
    expect(await b.sync(records)).toMatchObject({ added: 0, unchanged: 4, written: false });
    expect(await generations(dir)).toHaveLength(1);
    expect(await keysOf(b)).toEqual(sortedKeys(records));
  });

  it("…and refuses it when it holds another model's vectors", async () => {
    const dir = join(await tempDir(), 'idx');
    const mine = track(await openCodeIndex(dir, { model: MODEL }));
    const other = { ...MODEL, modelVersion: 'sha256:bbbb' };
    const theirs = track(await openCodeIndex(dir, { model: other }));
    await theirs.sync(named('a', 2));
    const error = await storeError(mine.sync(named('a', 2)));
    expect(error.code).toBe('MODEL_MISMATCH');
  });
});

describe('model identity', () => {
  it('the same model files under another name (hub name vs directory) open the same index', async () => {
    const dir = join(await tempDir(), 'idx');
    const first = track(await openCodeIndex(dir, { model: MODEL }));
    await first.sync(named('a', 2));
    const byPath = { ...MODEL, modelName: '/home/me/.codesearch/models/test/hash-model' };
    const again = track(await openCodeIndex(dir, { model: byPath, create: false }));
    expect(await again.sync(named('a', 2))).toMatchObject({ unchanged: 2, written: false });
    // The label stays the one the index was built with.
    expect((await again.stats()).model.modelName).toBe(MODEL.modelName);
  });
});

describe('rebuild', () => {
  it('builds beside the old generation; until the swap the old index answers; afterwards the old generation is gone', async () => {
    const dir = join(await tempDir(), 'idx');
    const old = named('old', 3);
    const first = track(await openCodeIndex(dir, { model: MODEL }));
    await first.sync(old);
    const oldGeneration = (await readMarkerJson(dir)).generation;

    const reader = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    const rebuild = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    // Opening for a rebuild changes nothing; both handles still read the old rows.
    expect(await keysOf(reader)).toEqual(sortedKeys(old));
    expect(await keysOf(rebuild)).toEqual(sortedKeys(old));

    const fresh = named('new', 5);
    expect(await rebuild.sync(fresh)).toMatchObject({ added: 5, updated: 0, removed: 0, written: true });
    const newGeneration = (await readMarkerJson(dir)).generation;
    expect(newGeneration).not.toBe(oldGeneration);
    expect(await generations(dir)).toEqual([newGeneration]);
    // Handles opened before the rebuild follow the swap.
    expect(await keysOf(reader)).toEqual(sortedKeys(fresh));
    expect(await keysOf(first)).toEqual(sortedKeys(fresh));
    expect((await reader.stats()).entities).toBe(5);
    // The rebuild handle's next sync is incremental, into the new generation.
    expect(await rebuild.sync(fresh)).toMatchObject({ unchanged: 5, written: false });
    expect(await first.sync(fresh.slice(1))).toMatchObject({ removed: 1, unchanged: 4 });
    expect(await generations(dir)).toEqual([newGeneration]);
  });

  it('works on a corrupt old generation and on one of another model, without checking them', async () => {
    const dir = join(await tempDir(), 'idx');
    const other = { ...MODEL, modelVersion: 'sha256:bbbb' };
    const first = await openCodeIndex(dir, { model: other });
    await first.sync(named('old', 3));
    await first.close();
    const data = join(await tableDir(dir), 'data');
    for (const file of await readdir(data)) await truncate(join(data, file), 10);
    expect((await storeError(openCodeIndex(dir, { model: MODEL }))).code).toMatch(
      /INDEX_CORRUPT|MODEL_MISMATCH/,
    );

    const rebuild = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    await rebuild.sync(named('new', 2));
    const reader = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    expect(await keysOf(reader)).toEqual(sortedKeys(named('new', 2)));
    expect(await generations(dir)).toHaveLength(1);
  });

  it('a garbage marker is INDEX_CORRUPT for readers; a rebuild replaces it', async () => {
    const dir = join(await tempDir(), 'idx');
    const first = await openCodeIndex(dir, { model: MODEL });
    await first.sync(named('old', 2));
    await first.close();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, MARKER_FILE), '{"format": ');
    const error = await storeError(openCodeIndex(dir, { model: MODEL, create: false }));
    expect(error.code).toBe('INDEX_CORRUPT');
    expect(error.message).toContain(`${MARKER_FILE} is not JSON`);
    const rebuild = track(await openCodeIndex(dir, { model: MODEL, rebuild: true }));
    await rebuild.sync(named('new', 2));
    expect(await generations(dir)).toEqual([(await readMarkerJson(dir)).generation]);
  });

  it('reads never fail while the index is rebuilt again and again under them', async () => {
    const dir = join(await tempDir(), 'idx');
    const sets = [named('a', 6), named('b', 4), named('c', 8)];
    const first = track(await openCodeIndex(dir, { model: MODEL }));
    await first.sync(sets[0]!);
    const reader = track(await openCodeIndex(dir, { model: MODEL, create: false }));
    const expected = new Set(sets.map((set) => sortedKeys(set).join(',')));
    let stop = false;
    let reads = 0;
    const readLoop = (async () => {
      while (!stop) {
        const [keys, stats] = await Promise.all([keysOf(reader), reader.stats()]);
        expect(expected.has(keys.join(','))).toBe(true);
        expect([6, 4, 8]).toContain(stats.entities);
        reads++;
      }
    })();
    for (let round = 1; round <= 6; round++) {
      const rebuild = await openCodeIndex(dir, { model: MODEL, rebuild: true });
      await rebuild.sync(sets[round % 3]!);
      await rebuild.close();
    }
    stop = true;
    await readLoop;
    expect(reads).toBeGreaterThan(6);
    expect(await keysOf(reader)).toEqual(sortedKeys(sets[0]!));
    expect(await generations(dir)).toHaveLength(1);
  });

  it('an index deleted under a handle is reported as not found, not as an empty result', async () => {
    const dir = join(await tempDir(), 'idx');
    const first = track(await openCodeIndex(dir, { model: MODEL }));
    await first.sync(named('a', 2));
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true });
    expect((await storeError(first.search({ text: 'a' }))).code).toBe('INDEX_NOT_FOUND');
  });
});

describe('write lock', () => {
  it('a sync waits for another writer, telling onLockWait once who it is, then proceeds', async () => {
    const dir = join(await tempDir(), 'idx');
    const waits: Array<LockHolder | undefined> = [];
    const index = track(
      await openCodeIndex(dir, { model: MODEL, onLockWait: (holder) => waits.push(holder) }),
    );
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const locked = new Promise<void>((resolve) => {
      void withFileLock(join(dir, MARKER_FILE), {}, async () => {
        resolve();
        await held;
      });
    });
    await locked;
    const sync = index.sync(named('a', 2));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(waits).toHaveLength(1);
    expect(waits[0]?.pid).toBe(process.pid);
    expect(await readdir(dir)).not.toContain(MARKER_FILE); // nothing written while waiting
    release();
    expect(await sync).toMatchObject({ added: 2 });
    expect(waits).toHaveLength(1);
  });

  it('gives up after lockWaitMs with INDEX_LOCKED naming the holder; nothing written', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL, lockWaitMs: 300 }));
    let error: StoreError | undefined;
    await withFileLock(join(dir, MARKER_FILE), {}, async () => {
      const started = Date.now();
      error = await storeError(index.sync(named('a', 2)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    });
    expect(error?.code).toBe('INDEX_LOCKED');
    expect(error?.directory).toBe(dir);
    expect(error?.message).toContain(`process ${process.pid}`);
    await expect(stat(join(dir, MARKER_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await generations(dir)).toEqual([]);
  });

  it('searches never wait for the lock', async () => {
    const dir = join(await tempDir(), 'idx');
    const index = track(await openCodeIndex(dir, { model: MODEL }));
    await index.sync(named('a', 3));
    await withFileLock(join(dir, MARKER_FILE), {}, async () => {
      const started = Date.now();
      expect(await keysOf(index)).toHaveLength(3);
      expect((await index.stats()).entities).toBe(3);
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });
});
