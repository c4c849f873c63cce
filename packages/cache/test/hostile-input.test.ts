import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CacheError } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { createEmbeddingCache, inspectCacheFile, JsonFileEmbeddingCache } from '../src/index.js';
import { entry, key, MODEL, tempDir, warnings } from './helpers.js';

/** Control characters (C0, DEL, C1) that a terminal would act on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Settles with the outcome of `promise`, or 'timed out' after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  return Promise.race([
    promise,
    new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms)),
  ]);
}

describe('cache directories that cannot be created fail fast (procfs)', () => {
  it('JSON file under /proc/nope: open rejects at once with a CacheError naming the path and cause', async () => {
    const cache = new JsonFileEmbeddingCache('/proc/nope/cache/cache.json', { onWarning: () => {} });
    const outcome = await within(
      cache.open(MODEL).catch((error: unknown) => error),
      5_000,
    );
    expect(outcome).not.toBe('timed out');
    expect(CacheError.isInstance(outcome)).toBe(true);
    expect((outcome as CacheError).code).toBe('OPEN_FAILED');
    expect((outcome as CacheError).message).toContain('/proc/nope/cache');
    expect((outcome as CacheError).message).toMatch(/ENOENT/);
  }, 10_000);

  it('sqlite:///proc/nope/x.db: open rejects at once with a CacheError naming the path and cause', async () => {
    const cache = createEmbeddingCache('sqlite:///proc/nope/x.db', { onWarning: () => {} });
    const outcome = await within(
      cache.open(MODEL).catch((error: unknown) => error),
      5_000,
    );
    expect(outcome).not.toBe('timed out');
    expect(CacheError.isInstance(outcome)).toBe(true);
    expect((outcome as CacheError).message).toContain('/proc/nope');
    expect((outcome as CacheError).message).toMatch(/ENOENT/);
  }, 10_000);
});

describe('file content quoted in messages is escaped', () => {
  function binaryFile(file: string): Buffer {
    // Random bytes with a screen-clearing escape sequence and NULs early on, where JSON.parse quotes them.
    const bytes = Buffer.concat([
      Buffer.from('\u0000\u001b[2J\u0000\u0007'),
      randomBytes(2000),
      Buffer.from('\u001b]0;owned\u0007'),
    ]);
    writeFileSync(file, bytes);
    return bytes;
  }

  it('the "could not be used" warning of open() carries no control characters', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    const bytes = binaryFile(file);
    const sink = warnings();
    const cache = new JsonFileEmbeddingCache(file, sink);
    const report = await cache.open(MODEL);
    expect(report.warnings).toHaveLength(1);
    const [warning] = report.warnings;
    expect(warning).toContain('could not be used');
    expect(warning).toMatch(/invalid JSON/);
    expect(warning).not.toMatch(CONTROL);
    expect(warning).toContain('\\x1b'); // escaped, not dropped
    // The bytes themselves are kept, moved aside.
    const moved = readdirSync(dir).filter((name) => name.startsWith('cache.json.corrupt-'));
    expect(readFileSync(path.join(dir, moved[0]!)).equals(bytes)).toBe(true);
    await cache.close();
  });

  it('a file replaced by binary bytes after open: the flush warning carries no control characters', async () => {
    const file = path.join(tempDir(), 'cache.json');
    const sink = warnings();
    const cache = new JsonFileEmbeddingCache(file, sink);
    await cache.open(MODEL);
    await cache.setMany([[key(1), entry(1)]]);
    await cache.flush();
    binaryFile(file);
    await cache.setMany([[key(2), entry(2)]]);
    await cache.flush();
    expect(sink.list).toHaveLength(1);
    expect(sink.list[0]).toContain('could not be used');
    expect(sink.list[0]).not.toMatch(CONTROL);
    await cache.close();
  });

  it('inspectCacheFile rejects a binary file with an escaped reason', async () => {
    const file = path.join(tempDir(), 'cache.json');
    binaryFile(file);
    const error = await inspectCacheFile(file).catch((caught: unknown) => caught);
    expect(CacheError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).not.toMatch(CONTROL);
  });
});

describe('special files are never read, moved or replaced', () => {
  it('a FIFO at cache.json: open warns at once, flush refuses, the FIFO stays', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    execFileSync('mkfifo', [file]);
    const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    const report = await within(cache.open(MODEL), 5_000);
    expect(report).not.toBe('timed out');
    const { warnings: warned, entries } = report as Exclude<typeof report, 'timed out'>;
    expect(entries).toBe(0);
    expect(warned).toEqual([expect.stringContaining(`${file} is not a regular file; left untouched`)]);
    await cache.setMany([[key(1), entry(1)]]);
    const error = await within(
      cache.flush().catch((caught: unknown) => caught),
      5_000,
    );
    expect(CacheError.isInstance(error)).toBe(true);
    expect((error as CacheError).message).toContain(`cannot write ${file}: it is not a regular file`);
    expect(lstatSync(file).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['cache.json']);
    await cache.close().catch(() => {});
  }, 15_000);

  it('a FIFO at cache.json.journal: not used, not touched; flush refuses to write beside it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    const writer = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await writer.open(MODEL);
    await writer.setMany(Array.from({ length: 20 }, (_, i) => [key(i), entry(i)] as const));
    await writer.close();
    execFileSync('mkfifo', [`${file}.journal`]);
    const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    const report = await within(cache.open(MODEL), 5_000);
    expect(report).not.toBe('timed out');
    expect((report as Exclude<typeof report, 'timed out'>).warnings).toEqual([
      expect.stringContaining(`${file}.journal is not a regular file; left untouched`),
    ]);
    await cache.setMany([[key(50), entry(50)]]);
    const error = await within(
      cache.flush().catch((caught: unknown) => caught),
      5_000,
    );
    expect(CacheError.isInstance(error)).toBe(true);
    expect((error as CacheError).message).toContain(`${file}.journal is not a regular file`);
    expect(lstatSync(`${file}.journal`).isFIFO()).toBe(true);
    await cache.close().catch(() => {});
  }, 15_000);
});
