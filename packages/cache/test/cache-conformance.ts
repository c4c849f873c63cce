import type { EmbeddingCache } from '@codesearch/core';
import { CacheError } from '@codesearch/core';
import { expect, it } from 'vitest';
import { bytesOf, entry, key, MODEL, vector } from './helpers.js';

/**
 * What every `EmbeddingCache` promises. `make` returns a new instance over the same storage
 * each time it is called (so persistence can be checked); call inside a `describe`.
 */
export function cacheConformance(make: () => EmbeddingCache): void {
  async function opened(model = MODEL): Promise<EmbeddingCache> {
    const cache = make();
    await cache.open(model);
    return cache;
  }

  it('is a v1 cache with a location', () => {
    const cache = make();
    expect(cache.specificationVersion).toBe('v1');
    expect(cache.location).not.toBe('');
  });

  it('throws a CacheError for every method before open()', async () => {
    const cache = make();
    await expect(cache.getMany([key(1)])).rejects.toSatisfy(CacheError.isInstance);
    await expect(cache.setMany([[key(1), entry(1)]])).rejects.toSatisfy(CacheError.isInstance);
    await expect(cache.flush()).rejects.toSatisfy(CacheError.isInstance);
  });

  it('returns vectors bit for bit, in key order, undefined for misses', async () => {
    const cache = await opened();
    try {
      await cache.setMany([
        [key(101), entry(101)],
        [key(102), entry(102)],
      ]);
      const got = await cache.getMany([key(102), key(999), key(101)]);
      expect(got.map((e) => e?.name)).toEqual(['fn_102', undefined, 'fn_101']);
      expect(bytesOf(got[0]!.embedding).equals(bytesOf(vector(102)))).toBe(true);
      expect(got[2]).toMatchObject({
        timestamp: entry(101).timestamp,
        modelVersion: 'v1',
        location: 'src/file_101.py:102',
      });
    } finally {
      await cache.close();
    }
  });

  it('keeps entries across instances once flushed', async () => {
    const writer = await opened();
    await writer.setMany([[key(201), entry(201)]]);
    await writer.flush();
    await writer.close();
    const reader = await opened();
    try {
      const [got] = await reader.getMany([key(201)]);
      expect(bytesOf(got!.embedding).equals(bytesOf(vector(201)))).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('refuses vectors of the wrong length and never returns them', async () => {
    const cache = await opened();
    try {
      await expect(cache.setMany([[key(301), entry(301, MODEL.dimensions + 1)]])).rejects.toSatisfy(
        CacheError.isInstance,
      );
      expect(await cache.getMany([key(301)])).toEqual([undefined]);
    } finally {
      await cache.close();
    }
  });

  it('reports metadata for the model it was opened with', async () => {
    const cache = make();
    const report = await cache.open(MODEL);
    try {
      expect(report.metadata).toMatchObject({
        modelName: MODEL.modelName,
        modelVersion: 'v1',
        dimensions: 16,
      });
      expect(Number.isNaN(Date.parse(report.metadata.created))).toBe(false);
      expect(report.warnings).toEqual([]);
      // One new entry, flushed: the next open counts exactly one more.
      await cache.setMany([[key(7001), entry(7001)]]);
      await cache.flush();
      await cache.close();
      const reopened = make();
      try {
        expect((await reopened.open(MODEL)).entries).toBe(report.entries + 1);
      } finally {
        await reopened.close();
      }
    } finally {
      await cache.close();
    }
  });
}
