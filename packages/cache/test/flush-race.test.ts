import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { JsonFileEmbeddingCache } from '../src/index.js';
import { entry, key, MODEL, tempDir } from './helpers.js';

// Holds each atomic write until the test opens the gate, so entries can be added mid-write.
const gate = vi.hoisted(() => ({ open: () => {}, entered: () => {}, waiting: Promise.resolve() }));
vi.mock('@codesearch/fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('@codesearch/fs')>();
  return {
    ...real,
    writeFileAtomic: async (file: string, data: string) => {
      const released = new Promise<void>((resolve) => {
        gate.open = resolve;
      });
      gate.entered();
      await released;
      await real.writeFileAtomic(file, data);
    },
  };
});

describe('a flush in progress', () => {
  it('leaves entries added during the write for the next flush', async () => {
    const file = path.join(tempDir(), 'cache.json');
    const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await cache.open(MODEL);
    await cache.setMany([[key(1), entry(1)]]);
    const writing = new Promise<void>((resolve) => {
      gate.entered = resolve;
    });
    const first = cache.flush();
    await writing;
    await cache.setMany([[key(2), entry(2)]]); // after the file content was serialized
    gate.open();
    await first;
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toEqual([key(1)]);

    const second = new Promise<string>((resolve) => {
      gate.entered = () => resolve('writing');
    });
    const again = cache.flush();
    // The second flush must write again: the entry is not in the file yet.
    expect(await Promise.race([second, again.then(() => 'returned without writing')])).toBe('writing');
    gate.open();
    await again;
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings).sort()).toEqual([key(1), key(2)]);
  });
});
