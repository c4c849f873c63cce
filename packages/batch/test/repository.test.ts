import path from 'node:path';
import { createEmbeddingCache } from '@codesearch/cache';
import { CacheError, ParseError } from '@codesearch/core';
import { createTransformersEmbedder } from '@codesearch/embedder';
import type { DirectoryParseEvent } from '@codesearch/parser';
import { createTextPreparator } from '@codesearch/text-prep';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { embedRepository } from '../src/index.js';
import { FakeCache, FakeEmbedder, fakeVector, MemoryLogger } from './fakes.js';
import { tempDir, writeTree } from './support.js';

// The factories embedRepository calls for what it owns; everything else is real.
vi.mock('@codesearch/cache', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@codesearch/cache')>()),
  createEmbeddingCache: vi.fn(),
}));
vi.mock('@codesearch/embedder', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@codesearch/embedder')>()),
  createTransformersEmbedder: vi.fn(),
}));

const createCache = vi.mocked(createEmbeddingCache);
const createEmbedder = vi.mocked(createTransformersEmbedder);
const preparator = createTextPreparator();

const SOURCE = `class Greeter:
    """Says hello."""

    def greet(self, name):
        return f"hello {name}"


def add(a, b):
    return a + b
`;

let root = '';
let madeCaches: FakeCache[] = [];
let madeEmbedders: FakeEmbedder[] = [];

beforeEach(async () => {
  root = await tempDir();
  await writeTree(root, {
    'src/greet.py': SOURCE,
    'src/util.ts': 'export function double(x: number): number {\n  return x * 2;\n}\n',
    'scripts/skip.py': 'def skipped():\n    pass\n',
  });
  madeCaches = [];
  madeEmbedders = [];
  createCache.mockReset().mockImplementation(() => {
    const cache = new FakeCache();
    madeCaches.push(cache);
    return cache;
  });
  createEmbedder.mockReset().mockImplementation(() => {
    const embedder = new FakeEmbedder();
    madeEmbedders.push(embedder);
    return embedder as never;
  });
});

describe('embedRepository', () => {
  it('parses the tree and embeds every entity; keys line up with entities', async () => {
    const embedder = new FakeEmbedder();
    const cache = new FakeCache();
    const { result, entities, parse } = await embedRepository(root, { embedder, cache });
    expect(entities.map((e) => e.qualifiedName).sort()).toEqual(
      ['Greeter', 'Greeter.greet', 'add', 'double', 'skipped'].sort(),
    );
    expect(result.keys).toEqual(entities.map((e) => `${e.filePath}:${e.lineNumber}`));
    for (const [index, entity] of entities.entries()) {
      expect(result.embeddings[result.keys[index]!]).toEqual(
        Array.from(fakeVector(preparator.prepareEntity(entity).text)),
      );
    }
    expect(result.summary).toEqual({ total: 5, success: 5, failed: 0, cached: 0, newlyEmbedded: 5 });
    expect(parse.root).toBe(path.resolve(root));
    expect(parse.files.map((f) => f.filePath).sort()).toEqual([
      'scripts/skip.py',
      'src/greet.py',
      'src/util.ts',
    ]);
    expect(parse.stats.entities).toBe(5);
    expect(result.metadata.cacheLocation).toBe(cache.location);
  });

  it('leaves an embedder and cache it was given open', async () => {
    const embedder = new FakeEmbedder();
    const cache = new FakeCache();
    await embedRepository(root, { embedder, cache });
    expect(embedder.disposeCalls).toBe(0);
    expect(cache.closeCalls).toBe(0);
    expect(createCache).not.toHaveBeenCalled();
    expect(createEmbedder).not.toHaveBeenCalled();
  });

  it('creates, then disposes and closes, the default embedder and cache', async () => {
    const fetchModel = async () => {};
    const { result } = await embedRepository(root, {
      model: 'org/model',
      modelsDir: '/models',
      modelBatchSize: 4,
      fetchModel,
    });
    expect(createEmbedder).toHaveBeenCalledWith({
      model: 'org/model',
      modelsDir: '/models',
      batchSize: 4,
      fetchModel,
    });
    expect(createCache).toHaveBeenCalledWith(undefined, { onWarning: expect.any(Function) });
    expect(madeEmbedders[0]!.disposeCalls).toBe(1);
    expect(madeCaches[0]!.closeCalls).toBe(1);
    expect(madeCaches[0]!.persisted.size).toBe(5);
    expect(result.summary.newlyEmbedded).toBe(5);
  });

  it('a string cache is a location for createEmbeddingCache; false means no cache', async () => {
    await embedRepository(root, { embedder: new FakeEmbedder(), cache: '/tmp/somewhere/cache.json' });
    expect(createCache).toHaveBeenCalledWith('/tmp/somewhere/cache.json', {
      onWarning: expect.any(Function),
    });
    expect(madeCaches[0]!.closeCalls).toBe(1);
    createCache.mockClear();
    const { result } = await embedRepository(root, { embedder: new FakeEmbedder(), cache: false });
    expect(createCache).not.toHaveBeenCalled();
    expect(result.metadata.cacheLocation).toBeUndefined();
  });

  it('closes what it made even when the run fails', async () => {
    createEmbedder.mockImplementation(() => {
      const embedder = new FakeEmbedder({ describeError: new Error('model files unreadable') });
      madeEmbedders.push(embedder);
      return embedder as never;
    });
    await expect(embedRepository(root)).rejects.toThrow('model files unreadable');
    expect(madeEmbedders[0]!.disposeCalls).toBe(1);
    expect(madeCaches[0]!.closeCalls).toBe(1);
  });

  it('a failing close becomes a warning; the result is still returned', async () => {
    createCache.mockImplementation(() => {
      const cache = new FakeCache();
      cache.close = async () => {
        throw new Error('EIO');
      };
      return cache;
    });
    const logger = new MemoryLogger();
    const { result } = await embedRepository(root, { embedder: new FakeEmbedder(), logger });
    expect(result.summary.success).toBe(5);
    expect(result.warnings).toEqual(['[cache] memory://fake-cache: close failed: EIO']);
    expect(logger.warnings).toEqual(result.warnings);
  });

  it('a full disk is reported once, though both the last checkpoint and close fail, and the result says the cache was not saved', async () => {
    const full = new CacheError('cannot write /full/cache.json: ENOSPC (in-memory entries kept)');
    createCache.mockImplementation(() => {
      const cache = new FakeCache();
      cache.failFlush = full;
      cache.close = async () => {
        throw full; // the real JSON cache flushes on close, and fails the same way
      };
      return cache;
    });
    const logger = new MemoryLogger();
    const { result } = await embedRepository(root, { embedder: new FakeEmbedder(), logger });
    expect(result.summary.success).toBe(5);
    expect(logger.warnings).toEqual([full.message]);
    expect(result.warnings).toEqual([full.message]);
    expect(result.cacheSaved).toBe(false);
  });

  it('says the cache was saved when the last checkpoint succeeded', async () => {
    const { result } = await embedRepository(root, { embedder: new FakeEmbedder() });
    expect(result.cacheSaved).toBe(true);
    const { result: uncached } = await embedRepository(root, { embedder: new FakeEmbedder(), cache: false });
    expect(uncached.cacheSaved).toBeUndefined();
  });

  it('warnings its own cache raises after open() join the result and the logger, each once', async () => {
    createCache.mockImplementation((_location, options) => {
      const cache = new FakeCache();
      const flush = cache.flush.bind(cache);
      cache.flush = async () => {
        options?.onWarning?.('[cache] lost the lock on cache.json while writing');
        options?.onWarning?.('[cache] lost the lock on cache.json while writing');
        return flush();
      };
      return cache;
    });
    const logger = new MemoryLogger();
    const { result } = await embedRepository(root, { embedder: new FakeEmbedder(), logger });
    expect(result.warnings).toEqual(['[cache] lost the lock on cache.json while writing']);
    expect(logger.warnings).toEqual(result.warnings);
  });

  it('a failing dispose of its own embedder becomes a warning', async () => {
    createEmbedder.mockImplementation(() => {
      const embedder = new FakeEmbedder();
      embedder.dispose = async () => {
        throw new Error('session busy');
      };
      return embedder as never;
    });
    const { result } = await embedRepository(root, { cache: false });
    expect(result.summary.success).toBe(5);
    expect(result.warnings).toEqual(['[embedder] dispose failed: session busy']);
  });

  it('an invalid cache location rejects before anything is embedded', async () => {
    createCache.mockImplementation(() => {
      throw new Error('unknown cache location scheme "ftp://"');
    });
    const embedder = new FakeEmbedder();
    await expect(embedRepository(root, { embedder, cache: 'ftp://x' })).rejects.toThrow(
      'unknown cache location',
    );
    expect(embedder.calls).toEqual([]);
  });

  it('passes parse options and events through; per-file parse errors do not stop the run', async () => {
    await writeTree(root, { 'src/broken.py': new Uint8Array([0x64, 0x65, 0x66, 0x20, 0xff, 0xfe, 0x0a]) });
    const events: DirectoryParseEvent['type'][] = [];
    const { result, parse, entities } = await embedRepository(root, {
      embedder: new FakeEmbedder(),
      cache: false,
      parse: { exclude: ['scripts/'], onEvent: (event) => events.push(event.type) },
    });
    expect(entities.map((e) => e.name)).not.toContain('skipped');
    expect(parse.errors).toHaveLength(1);
    expect(parse.errors[0]).toBeInstanceOf(ParseError);
    expect(parse.errors[0]!.filePath).toBe('src/broken.py');
    expect(events.filter((type) => type === 'error')).toHaveLength(1);
    expect(events.filter((type) => type === 'file')).toHaveLength(2);
    expect(result.summary.success).toBe(4);
  });

  it('rejects a missing root with a clear error, creating nothing', async () => {
    const missing = path.join(root, 'no-such-dir');
    const embedder = new FakeEmbedder();
    const error = await embedRepository(missing, { embedder }).catch((e: unknown) => e);
    expect(ParseError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`[parser] ${missing}: no such file or directory`);
    expect(embedder.describeCalls).toBe(0);
    expect(createCache).not.toHaveBeenCalled();
  });

  it('an aborted signal stops the parse', async () => {
    const embedder = new FakeEmbedder();
    await expect(embedRepository(root, { embedder, signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(embedder.describeCalls).toBe(0);
  });

  it('hands batch options and progress to the generator', async () => {
    const embedder = new FakeEmbedder();
    const phases: string[] = [];
    const cache = new FakeCache();
    await embedRepository(root, {
      embedder,
      cache,
      batchSize: 2,
      checkpointEvery: 2,
      textPreparator: createTextPreparator({ maxChars: 300 }),
      onProgress: (p) => phases.push(p.phase),
    });
    expect(embedder.calls.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(cache.flushes).toEqual([2, 4, 5]);
    expect(phases).toEqual(['preparing', 'embedding', 'embedding', 'embedding', 'done']);
    expect(embedder.texts.every((t) => t.length <= 300)).toBe(true);
  });
});

describe('embedRepository with prior vectors (an existing index)', () => {
  it('serves text the prior vectors hold without embedding or caching it, and embeds the rest', async () => {
    const first = await embedRepository(root, { cache: false });
    const digests = first.result.prepared.map((item) => item!.contentKey);
    const known = new Map(digests.slice(0, 2).map((digest) => [digest, fakeVector(digest)]));
    const asked: string[][] = [];
    const prior = {
      vectorsByDigest: async (keys: readonly string[]) => {
        asked.push([...keys]);
        return new Map([...known].filter(([digest]) => keys.includes(digest)));
      },
    };
    const cache = new FakeCache();
    madeEmbedders = [];
    const { result } = await embedRepository(root, { cache, priorVectors: prior });
    expect(asked.flat()).toEqual(expect.arrayContaining(digests));
    expect(result.summary.cached).toBe(2);
    expect(result.summary.newlyEmbedded).toBe(digests.length - 2);
    for (const digest of known.keys()) {
      const served = result.embeddings[result.keys[digests.indexOf(digest)]!]!;
      expect(Array.from(served)).toEqual(Array.from(known.get(digest)!));
    }
    // Only what was embedded goes to the user's cache; the cache given is left open.
    expect([...cache.entries.keys()].filter((key) => known.has(key))).toEqual([]);
    expect(cache.entries.size).toBe(digests.length - 2);
    expect(cache.closeCalls).toBe(0);
  });

  it('asks the prior vectors only for what the cache lacks (an index scans its table per lookup)', async () => {
    const first = await embedRepository(root, { cache: false });
    const digests = first.result.prepared.map((item) => item!.contentKey);
    const cached = digests.slice(0, 3);
    const cache = new FakeCache(
      cached.map((digest) => [
        digest,
        { name: '', embedding: fakeVector(digest), timestamp: new Date(0).toISOString(), modelVersion: 'v1' },
      ]),
    );
    const asked: string[] = [];
    const prior = {
      vectorsByDigest: async (keys: readonly string[]) => {
        asked.push(...keys);
        return new Map(keys.map((key) => [key, fakeVector(key)]));
      },
    };
    const { result } = await embedRepository(root, {
      embedder: new FakeEmbedder(),
      cache,
      priorVectors: prior,
    });
    expect(asked.sort()).toEqual(digests.slice(3).sort());
    expect(result.summary.cached).toBe(digests.length);
    expect(result.summary.newlyEmbedded).toBe(0);
  });
});
