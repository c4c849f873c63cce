import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError } from '@codesearch/core';
import { withFileLock } from '@codesearch/fs';
import { describe, expect, it } from 'vitest';
import { inspectCacheFile, JsonFileEmbeddingCache, pruneCacheFile } from '../src/index.js';
import { bytesOf, entry, key, MODEL, tempDir } from './helpers.js';

const quiet = { onWarning: () => {} };

/** A cache file holding entries `seeds`, written by the real cache. */
async function cacheWith(seeds: number[], file = path.join(tempDir(), 'cache.json')): Promise<string> {
  const cache = new JsonFileEmbeddingCache(file, quiet);
  await cache.open(MODEL);
  await cache.setMany(seeds.map((seed) => [key(seed), entry(seed)] as const));
  await cache.close();
  return file;
}

function keysIn(file: string): string[] {
  return Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings).sort();
}

/** Opens the file with the real cache and returns the vectors of `seeds` (undefined = miss). */
async function vectors(file: string, seeds: number[]): Promise<Array<Buffer | undefined>> {
  const cache = new JsonFileEmbeddingCache(file, quiet);
  await cache.open(MODEL);
  const entries = await cache.getMany(seeds.map(key));
  await cache.close();
  return entries.map((found) => (found ? bytesOf(found.embedding) : undefined));
}

function holdLock(file: string): { held: Promise<void>; release: () => void; done: Promise<void> } {
  let release = () => {};
  let entered = () => {};
  const held = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const done = withFileLock(file, { staleMs: 10_000, waitMs: 1_000, onCompromised: () => {} }, async () => {
    entered();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  return { held, release: () => release(), done };
}

describe('pruneCacheFile', () => {
  it('removes exactly the entries not kept; kept vectors are bit-identical', async () => {
    const file = await cacheWith([1, 2, 3, 4, 5]);
    const before = readFileSync(file, 'utf8');
    const result = await pruneCacheFile(file, new Set([key(2), key(4), key(99)]));
    expect(result).toEqual({ file, before: 5, removed: 3, kept: 2 });
    expect(keysIn(file)).toEqual([key(2), key(4)]);
    const [two, four, one] = await vectors(file, [2, 4, 1]);
    expect(two!.equals(bytesOf(entry(2).embedding))).toBe(true);
    expect(four!.equals(bytesOf(entry(4).embedding))).toBe(true);
    expect(one).toBeUndefined();
    // Each kept line is byte for byte the line it was.
    const lines = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.includes('"embedding"'))
        .map((line) => line.replace(/,$/, ''));
    expect(lines(readFileSync(file, 'utf8'))).toEqual(
      lines(before).filter((line) => line.includes(key(2)) || line.includes(key(4))),
    );
    const metadata = JSON.parse(readFileSync(file, 'utf8')).metadata;
    expect(metadata).toMatchObject({ ...MODEL, created: JSON.parse(before).metadata.created });
  });

  it('writes nothing on a dry run, nor when nothing is removed', async () => {
    const file = await cacheWith([1, 2, 3]);
    const bytes = readFileSync(file);
    const { ino, mtimeMs } = statSync(file);
    expect(await pruneCacheFile(file, new Set([key(1)]), { dryRun: true })).toEqual({
      file,
      before: 3,
      removed: 2,
      kept: 1,
    });
    expect(await pruneCacheFile(file, new Set([key(1), key(2), key(3)]))).toMatchObject({
      removed: 0,
      kept: 3,
    });
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(statSync(file)).toMatchObject({ ino, mtimeMs });
  });

  it('resolves the location as createEmbeddingCache does', async () => {
    const dir = tempDir();
    const file = await cacheWith([1, 2], path.join(dir, 'cache.json'));
    expect(await pruneCacheFile(dir, new Set([key(1)]))).toMatchObject({ file, removed: 1, kept: 1 });
    // A directory named like a file holds cache.json too.
    const odd = path.join(tempDir(), 'odd.json');
    mkdirSync(odd);
    const inner = await cacheWith([3], path.join(odd, 'cache.json'));
    expect(await pruneCacheFile(odd, new Set())).toMatchObject({ file: inner, removed: 1, kept: 0 });
    expect(await pruneCacheFile(`file://${file}`, new Set())).toMatchObject({ file, removed: 1 });
  });

  it('a missing file is nothing to prune, and is not created', async () => {
    const file = path.join(tempDir(), 'none', 'cache.json');
    expect(await pruneCacheFile(file, new Set())).toEqual({ file, before: 0, removed: 0, kept: 0 });
    expect(() => statSync(file)).toThrow();
  });

  it('refuses SQLite and Redis caches', async () => {
    for (const location of ['sqlite:///tmp/x.db', 'redis://localhost:6379']) {
      const error = await pruneCacheFile(location, new Set()).catch((e: unknown) => e);
      expect(CacheError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/prune supports the JSON file cache only/);
    }
  });

  it('a corrupt file throws a CacheError naming it and is left untouched', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    for (const text of ['{"metadata": {', '{"embeddings": {}}', '']) {
      writeFileSync(file, text);
      const error = await pruneCacheFile(file, new Set()).catch((e: unknown) => e);
      expect(CacheError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(file);
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(readdirSync(dir)).toEqual(['cache.json']); // not moved aside, no temp or lock left
      await expect(inspectCacheFile(file)).rejects.toThrow(file);
    }
  });

  it('waits for a held lock, and fails with a CacheError when it waits too long', async () => {
    const file = await cacheWith([1, 2, 3]);
    const lock = holdLock(file);
    await lock.held;
    await expect(pruneCacheFile(file, new Set([key(1)]), { lockWaitMs: 200 })).rejects.toThrow(
      /is held by process \d+/,
    );
    let settled = false;
    const pruning = pruneCacheFile(file, new Set([key(1)])).finally(() => {
      settled = true;
    });
    await sleep(400);
    expect(settled).toBe(false);
    expect(keysIn(file)).toHaveLength(3); // nothing written while the lock is held
    lock.release();
    await lock.done;
    expect(await pruning).toMatchObject({ removed: 2, kept: 1 });
    expect(keysIn(file)).toEqual([key(1)]);
  });

  it('loses nothing a concurrent flush writes, whichever takes the lock first', async () => {
    for (let round = 0; round < 4; round++) {
      const file = await cacheWith([1, 2, 3]);
      const other = new JsonFileEmbeddingCache(file, quiet);
      await other.open(MODEL);
      await other.setMany([[key(10), entry(10)]]);
      const lock = holdLock(file);
      await lock.held;
      const both = Promise.all([pruneCacheFile(file, new Set([key(2), key(10)])), other.flush()]);
      await sleep(50);
      lock.release();
      await lock.done;
      const [result] = await both;
      expect(result.kept).toBeGreaterThanOrEqual(1);
      const found = await vectors(file, [2, 10]);
      expect(found[0]!.equals(bytesOf(entry(2).embedding))).toBe(true);
      expect(found[1]!.equals(bytesOf(entry(10).embedding))).toBe(true);
      await other.close();
    }
  });

  it('a flush after a prune keeps the prune and adds its own entries', async () => {
    const file = await cacheWith([1, 2, 3]);
    const other = new JsonFileEmbeddingCache(file, quiet);
    await other.open(MODEL); // read before the prune
    await pruneCacheFile(file, new Set([key(2)]));
    await other.setMany([[key(10), entry(10)]]);
    await other.close();
    const found = await vectors(file, [2, 10]);
    expect(found[0]!.equals(bytesOf(entry(2).embedding))).toBe(true);
    expect(found[1]!.equals(bytesOf(entry(10).embedding))).toBe(true);
  });
});

describe('inspectCacheFile', () => {
  it('reports the file, its size, entries and metadata without writing', async () => {
    const dir = tempDir();
    const file = await cacheWith([1, 2], path.join(dir, 'cache.json'));
    const { mtimeMs, size } = statSync(file);
    const info = await inspectCacheFile(dir);
    expect(info).toMatchObject({ file, bytes: size, entries: 2, metadata: MODEL });
    expect(statSync(file).mtimeMs).toBe(mtimeMs);
    expect(readdirSync(dir)).toEqual(['cache.json']);
  });

  it('a missing file is empty', async () => {
    const file = path.join(tempDir(), 'cache.json');
    expect(await inspectCacheFile(file)).toEqual({ file, bytes: 0, entries: 0, metadata: undefined });
  });

  it('refuses non-file caches', async () => {
    await expect(inspectCacheFile('sqlite:///tmp/x.db')).rejects.toThrow(/JSON file cache only/);
  });
});

describe('prune and inspect with a journal', () => {
  /** A cache of `seeds` in cache.json and `journal` in its journal (flushed by an instance never closed). */
  async function withJournal(seeds: number[], journal: number[]): Promise<string> {
    const file = await cacheWith(seeds);
    const writer = new JsonFileEmbeddingCache(file, quiet);
    await writer.open(MODEL);
    await writer.setMany(journal.map((seed) => [key(seed), entry(seed)] as const));
    await writer.flush();
    expect(existsSync(`${file}.journal`)).toBe(true);
    return file;
  }

  const many = Array.from({ length: 20 }, (_, i) => i);

  it('inspect counts the journal: entries, bytes of both files, and the journal itself', async () => {
    const file = await withJournal(many, [100, 101, 5]); // 5 is already in cache.json
    const info = await inspectCacheFile(file);
    const fileBytes = statSync(file).size;
    const journalBytes = statSync(`${file}.journal`).size;
    expect(info).toMatchObject({ file, entries: 22, bytes: fileBytes + journalBytes, metadata: MODEL });
    expect(info.journal).toEqual({ file: `${file}.journal`, bytes: journalBytes, entries: 2 });
    expect(statSync(`${file}.journal`).size).toBe(journalBytes); // read-only
  });

  it('inspect reports a journal that does not belong, without counting or moving it', async () => {
    const file = await cacheWith(many);
    writeFileSync(`${file}.journal`, 'garbage\n');
    const info = await inspectCacheFile(file);
    expect(info.entries).toBe(20);
    expect(info.journal).toMatchObject({ entries: 0, problem: expect.stringContaining('header') });
    expect(readFileSync(`${file}.journal`, 'utf8')).toBe('garbage\n');
  });

  it('prune folds the journal in: the pruned union is written to cache.json and the journal removed', async () => {
    const file = await withJournal(many, [100, 101]);
    const dryRun = await pruneCacheFile(file, new Set([key(1), key(100)]), { dryRun: true });
    expect(dryRun).toEqual({ file, before: 22, removed: 20, kept: 2 });
    expect(existsSync(`${file}.journal`)).toBe(true);
    const result = await pruneCacheFile(file, new Set([key(1), key(100)]));
    expect(result).toEqual({ file, before: 22, removed: 20, kept: 2 });
    expect(existsSync(`${file}.journal`)).toBe(false);
    expect(keysIn(file)).toEqual([key(1), key(100)]);
    const [one, hundred] = await vectors(file, [1, 100]);
    expect(hundred!.equals(bytesOf(entry(100).embedding))).toBe(true);
    expect(one!.equals(bytesOf(entry(1).embedding))).toBe(true);
  });

  it("prune leaves a journal that is not this cache's alone (open() moves it aside later)", async () => {
    const file = await cacheWith(many);
    const foreign = `${JSON.stringify({ not: 'a journal', of: (await readFile(file, 'utf8')).length })}\n`;
    writeFileSync(`${file}.journal`, foreign);
    await pruneCacheFile(file, new Set([key(1)]));
    expect(keysIn(file)).toEqual([key(1)]);
    expect(readFileSync(`${file}.journal`, 'utf8')).toBe(foreign);
  });
});
