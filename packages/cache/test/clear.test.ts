import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError } from '@codesearch/core';
import { withFileLock } from '@codesearch/fs';
import { describe, expect, it } from 'vitest';
import { clearCacheFile, JsonFileEmbeddingCache } from '../src/index.js';
import { entry, key, MODEL, tempDir } from './helpers.js';

const quiet = { onWarning: () => {} };

/** A cache of `seeds` in `dir`; with `journal`, the last entries are left in the journal (open, flushed, not closed). */
async function cacheIn(dir: string, seeds: number[], journal: number[] = []): Promise<string> {
  const file = path.join(dir, 'cache.json');
  const cache = new JsonFileEmbeddingCache(file, quiet);
  await cache.open(MODEL);
  await cache.setMany(seeds.map((seed) => [key(seed), entry(seed)] as const));
  await cache.close();
  if (journal.length > 0) {
    const writer = new JsonFileEmbeddingCache(file, quiet);
    await writer.open(MODEL);
    await writer.setMany(journal.map((seed) => [key(seed), entry(seed)] as const));
    await writer.flush(); // appended to cache.json.journal; never closed, as after a SIGKILL
  }
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<CacheError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(CacheError.isInstance(error), String(error)).toBe(true);
  return error as CacheError;
}

describe('clearCacheFile', () => {
  it('removes the cache file and its journal, and nothing else', async () => {
    const dir = tempDir();
    const file = await cacheIn(dir, [1, 2, 3], [4]);
    writeFileSync(path.join(dir, 'cache.json.corrupt-2025-01-01T00-00-00-000Z'), 'moved aside earlier');
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(readdirSync(dir)).toContain('cache.json.journal');
    const result = await clearCacheFile(dir);
    expect(result).toEqual({ file, removed: [`${file}.journal`, file] });
    expect(readdirSync(dir).sort()).toEqual(['cache.json.corrupt-2025-01-01T00-00-00-000Z', 'notes.txt']);
  });

  it('a missing file removes nothing', async () => {
    const file = path.join(tempDir(), 'none', 'cache.json');
    expect(await clearCacheFile(file)).toEqual({ file, removed: [] });
  });

  it('refuses a file that is not a codesearch cache, naming it and the reason, and leaves it untouched', async () => {
    const dir = tempDir();
    const cases: Array<[string, string, RegExp]> = [
      ['package.json', '{"name": "my-package", "version": "1.0.0"}\n', /missing or malformed "metadata"/],
      ['cache.json', '\u0000\u001b[2Jbinary', /invalid JSON/],
      ['empty.json', '', /empty/],
    ];
    for (const [name, text, reason] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const error = await rejection(clearCacheFile(file));
      expect(error.code).toBe('NOT_A_CACHE');
      expect(error.message).toContain(file);
      expect(error.message).toMatch(reason);
      expect(error.message).toContain('left untouched');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      expect(error.message).not.toMatch(/[\u0000-\u001f]/);
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
    expect(readdirSync(dir).sort()).toEqual(['cache.json', 'empty.json', 'package.json']);
  });

  it('refuses a moved-aside file, a directory of the wrong kind and a special file', async () => {
    const dir = tempDir();
    const file = await cacheIn(dir, [1]);
    const aside = `${file}.corrupt-2025-01-01T00-00-00-000Z`;
    writeFileSync(aside, '{"metadata": ');
    const error = await rejection(clearCacheFile(aside));
    expect(error.code).toBe('NOT_A_CACHE');
    expect(readFileSync(aside, 'utf8')).toBe('{"metadata": ');
    // A .json path that is a directory holds cache.json (as everywhere); /dev/null is not a cache.
    const odd = path.join(dir, 'odd.json');
    mkdirSync(odd);
    expect(await clearCacheFile(odd)).toEqual({ file: path.join(odd, 'cache.json'), removed: [] });
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const special = await rejection(clearCacheFile(fifo)); // must not block opening the FIFO
    expect(special.code).toBe('NOT_A_CACHE');
    expect(special.message).toMatch(/not a regular file/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses SQLite and Redis caches', async () => {
    for (const location of ['sqlite:///tmp/x.db', 'redis://localhost:6379']) {
      const error = await rejection(clearCacheFile(location));
      expect(error.code).toBe('UNSUPPORTED');
    }
  });

  it('waits for the lock: a flush in progress is never cut in half', async () => {
    const dir = tempDir();
    const file = await cacheIn(dir, [1, 2]);
    let release = () => {};
    let entered = () => {};
    const held = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const holder = withFileLock(file, { staleMs: 10_000, waitMs: 1_000 }, async () => {
      entered();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await held;
    let settled = false;
    const clearing = clearCacheFile(file).finally(() => {
      settled = true;
    });
    await sleep(300);
    expect(settled).toBe(false);
    expect(readdirSync(dir)).toContain('cache.json');
    release();
    await holder;
    expect((await clearing).removed).toEqual([file]);
    expect(readdirSync(dir)).toEqual([]);
    await expect(clearCacheFile(file, { lockWaitMs: 100 })).resolves.toEqual({ file, removed: [] });
  });
});
