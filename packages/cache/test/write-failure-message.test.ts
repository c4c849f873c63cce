import path from 'node:path';
import { CacheError } from '@codesearch/core';
import { FileOperationError } from '@codesearch/fs';
import { describe, expect, it, vi } from 'vitest';
import { JsonFileEmbeddingCache, pruneCacheFile } from '../src/index.js';
import { entry, key, MODEL, tempDir } from './helpers.js';

// A disk that fills up at the rename: writeFileAtomic rejects as the real one does, with a
// FileOperationError whose message already names the file and the cause.
const disk = vi.hoisted(() => ({ full: false }));
vi.mock('@codesearch/fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('@codesearch/fs')>();
  return {
    ...real,
    writeFileAtomic: async (file: string, data: string) => {
      if (!disk.full) return real.writeFileAtomic(file, data);
      const cause = Object.assign(new Error(`ENOSPC: no space left on device, rename '${file}.tmp-1-x'`), {
        code: 'ENOSPC',
      });
      throw new real.FileOperationError(`cannot replace ${file}: ${cause.message}`, {
        code: 'ENOSPC',
        path: file,
        cause,
      });
    },
  };
});

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('write failures name the file once', () => {
  it('flush: "cannot replace <file>: ENOSPC …", not "cannot write <file>: cannot replace <file>: …"', async () => {
    const file = path.join(tempDir(), 'cache.json');
    const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await cache.open(MODEL);
    await cache.setMany([[key(1), entry(1)]]);
    disk.full = true;
    try {
      const error = await cache.flush().catch((caught: unknown) => caught);
      expect(CacheError.isInstance(error)).toBe(true);
      expect((error as CacheError).code).toBe('WRITE_FAILED');
      const message = (error as CacheError).message;
      expect(message).toContain(`cannot replace ${file}: ENOSPC`);
      expect(message).toContain('in-memory entries kept');
      expect(occurrences(message, `${file}:`)).toBe(1);
      expect((error as CacheError).cause).toBeInstanceOf(FileOperationError);
    } finally {
      disk.full = false;
    }
    await cache.close();
  });

  it('prune: the same', async () => {
    const file = path.join(tempDir(), 'cache.json');
    const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await cache.open(MODEL);
    await cache.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    await cache.close();
    disk.full = true;
    try {
      const error = await pruneCacheFile(file, new Set([key(1)])).catch((caught: unknown) => caught);
      expect(CacheError.isInstance(error)).toBe(true);
      expect((error as CacheError).code).toBe('WRITE_FAILED');
      expect((error as CacheError).message).toContain(`cannot replace ${file}: ENOSPC`);
      expect(occurrences((error as CacheError).message, `${file}:`)).toBe(1);
    } finally {
      disk.full = false;
    }
  });
});
