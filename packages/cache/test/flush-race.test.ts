import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { JsonFileEmbeddingCache } from '../src/index.js';
import { entry, key, keysOnDisk, MODEL, tempDir } from './helpers.js';

// Holds each write (an atomic rewrite of cache.json, or an append to its journal) until the
// test opens the gate, so entries can be added mid-write.
const gate = vi.hoisted(() => ({ open: () => {}, entered: () => {} }));
async function held(): Promise<void> {
  const released = new Promise<void>((resolve) => {
    gate.open = resolve;
  });
  gate.entered();
  await released;
}
vi.mock('@codesearch/fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('@codesearch/fs')>();
  return {
    ...real,
    writeFileAtomic: async (file: string, data: string) => {
      await held();
      await real.writeFileAtomic(file, data);
    },
  };
});
vi.mock('../src/journal.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/journal.js')>();
  return {
    ...real,
    appendToJournal: async (...args: Parameters<typeof real.appendToJournal>) => {
      await held();
      return real.appendToJournal(...args);
    },
  };
});

function writing(): Promise<string> {
  return new Promise<string>((resolve) => {
    gate.entered = () => resolve('writing');
  });
}

describe('a flush in progress', () => {
  for (const [label, options] of [
    ['rewriting the file (compactRatio 0)', { compactRatio: 0 }],
    ['appending to the journal', { compactRatio: 1000 }],
  ] as const) {
    it(`${label}: leaves entries added during the write for the next flush`, async () => {
      const file = path.join(tempDir(), 'cache.json');
      const cache = new JsonFileEmbeddingCache(file, { onWarning: () => {}, ...options });
      await cache.open(MODEL);
      const created = cache.flush(); // the new file: always a rewrite
      await writing();
      gate.open();
      await created;

      await cache.setMany([[key(1), entry(1)]]);
      const entered = writing();
      const first = cache.flush();
      await entered;
      await cache.setMany([[key(2), entry(2)]]); // after the write's content was made
      gate.open();
      await first;
      expect(keysOnDisk(file)).toEqual([key(1)]);
      expect(existsSync(`${file}.journal`)).toBe(options.compactRatio > 0);

      const second = writing();
      const again = cache.flush();
      // The second flush must write again: the entry is not on disk yet.
      expect(await Promise.race([second, again.then(() => 'returned without writing')])).toBe('writing');
      gate.open();
      await again;
      expect(keysOnDisk(file)).toEqual([key(1), key(2)]);
      const closing = cache.close();
      gate.entered = () => gate.open();
      gate.open();
      await closing;
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings).sort()).toEqual([key(1), key(2)]);
    });
  }
});
