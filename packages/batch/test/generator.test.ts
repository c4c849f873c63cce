import { contentKey } from '@codesearch/cache';
import {
  CacheError,
  type CodeEntity,
  CodesearchError,
  type EmbeddingCacheEntry,
  ModelNotFoundError,
  type PreparedText,
  type TextPreparator,
} from '@codesearch/core';
import { createTextPreparator, DEFAULT_MAX_CHARS, MAX_WINDOWS } from '@codesearch/text-prep';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchEmbeddingGenerator, type BatchEmbeddingOptions, type BatchProgress } from '../src/index.js';
import {
  cls,
  FakeCache,
  FakeEmbedder,
  type FakeEmbedderOptions,
  fakeVector,
  fn,
  key,
  MemoryLogger,
  method,
} from './fakes.js';

const preparator = createTextPreparator();
const textOf = (entity: CodeEntity) => preparator.prepareEntity(entity).text;
const vectorOf = (entity: CodeEntity, dimensions = 8) => Array.from(fakeVector(textOf(entity), dimensions));

function setup(
  options: Omit<Partial<BatchEmbeddingOptions>, 'embedder'> & {
    embedder?: FakeEmbedderOptions | FakeEmbedder;
  } = {},
) {
  const embedder =
    options.embedder instanceof FakeEmbedder ? options.embedder : new FakeEmbedder(options.embedder ?? {});
  const logger = new MemoryLogger();
  const progress: BatchProgress[] = [];
  const generator = new BatchEmbeddingGenerator({
    textPreparator: preparator,
    logger,
    onProgress: (event) => progress.push(event),
    ...options,
    embedder,
  });
  return { generator, embedder, logger, progress };
}

/** The cache key the generator must use for an entity under the fake model. */
function cacheKeyOf(entity: CodeEntity, modelVersion = 'v1'): string {
  return contentKey({
    modelName: 'fake/model',
    modelVersion,
    textPrepVersion: preparator.version,
    text: textOf(entity),
  });
}

function cachedEntry(embedding: Float32Array, name = 'x'): EmbeddingCacheEntry {
  return { name, embedding, timestamp: '2025-01-01T00:00:00.000Z', modelVersion: 'v1' };
}

/** A vector unlike any `fakeVector`: proof a value came from the cache, not the model. */
function marker(seed: number, dimensions = 8): Float32Array {
  return Float32Array.from({ length: dimensions }, (_, i) => (i === seed % dimensions ? 1 : 0));
}

describe('basic functionality', () => {
  it('test_process_single_function: embeds one function under its location key', async () => {
    const { generator, embedder } = setup();
    const entity = fn('add');
    const result = await generator.processFunctions([entity]);
    expect(embedder.texts).toEqual([textOf(entity)]);
    expect(result.embeddings).toEqual({ [key(entity)]: vectorOf(entity) });
    expect(result.errors).toEqual({});
    expect(result.summary).toEqual({ total: 1, success: 1, failed: 0, cached: 0, newlyEmbedded: 1 });
    expect(result.keys).toEqual([key(entity)]);
  });

  it('test_process_multiple_functions: embeds a batch in chunks of batchSize, each vector for its own text', async () => {
    const { generator, embedder } = setup({ batchSize: 2 });
    const functions = ['a', 'b', 'c', 'd', 'e'].map((name) => fn(name));
    const result = await generator.processFunctions(functions);
    expect(embedder.calls.map((call) => call.length)).toEqual([2, 2, 1]);
    for (const entity of functions) expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect(Object.keys(result.embeddings)).toEqual(functions.map(key));
    expect(result.summary).toMatchObject({ total: 5, success: 5, newlyEmbedded: 5 });
  });

  it('test_process_classes: prepares classes with prepareClass and refuses functions', async () => {
    const spy = {
      version: preparator.version,
      prepareFunction: vi.fn((e: CodeEntity) => preparator.prepareFunction(e)),
      prepareClass: vi.fn((e: CodeEntity) => preparator.prepareClass(e)),
    };
    const { generator } = setup({ textPreparator: spy });
    const classes = [cls('Parser'), cls('Walker')];
    const stray = fn('helper');
    const result = await generator.processClasses([...classes, stray]);
    expect(spy.prepareClass).toHaveBeenCalledTimes(2);
    expect(spy.prepareFunction).not.toHaveBeenCalled();
    for (const entity of classes) expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect(result.embeddings[key(stray)]).toBeNull();
    expect(result.errors[key(stray)]).toMatch(/invalid input: a function given to processClasses/);
    expect(result.summary).toMatchObject({ total: 3, success: 2, failed: 1 });
  });

  it('test_process_mixed_batch: functions, methods and classes together, each prepared by kind', async () => {
    const spy = {
      version: preparator.version,
      prepareFunction: vi.fn((e: CodeEntity) => preparator.prepareFunction(e)),
      prepareClass: vi.fn((e: CodeEntity) => preparator.prepareClass(e)),
    };
    const { generator } = setup({ textPreparator: spy });
    const items = [fn('main'), cls('Parser'), method('Parser', 'parse'), cls('Walker'), fn('helper')];
    const result = await generator.processBatch(items);
    expect(spy.prepareFunction.mock.calls.map(([e]) => e.name)).toEqual(['main', 'parse', 'helper']);
    expect(spy.prepareClass.mock.calls.map(([e]) => e.name)).toEqual(['Parser', 'Walker']);
    for (const entity of items) expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect(result.summary).toEqual({ total: 5, success: 5, failed: 0, cached: 0, newlyEmbedded: 5 });
  });

  it('processFunctions refuses a class as invalid input, naming it', async () => {
    const { generator } = setup();
    const klass = cls('Parser');
    const result = await generator.processFunctions([klass, method('Parser', 'parse')]);
    expect(result.errors[key(klass)]).toBe(
      `item 0 Parser (${key(klass)}): invalid input: a class given to processFunctions`,
    );
    expect(result.summary).toMatchObject({ success: 1, failed: 1 });
  });
});

describe('prepared texts and content keys', () => {
  it('lists, parallel to keys, the prepared text and the content key of each item', async () => {
    const { generator } = setup();
    const items = [fn('alpha'), cls('Beta'), method('Beta', 'gamma')];
    const result = await generator.processBatch(items);
    expect(result.prepared).toHaveLength(result.keys.length);
    items.forEach((entity, index) => {
      const entry = result.prepared[index];
      expect(entry?.text).toBe(textOf(entity));
      expect(entry?.contentKey).toBe(
        contentKey({
          modelName: 'fake/model',
          modelVersion: 'v1',
          textPrepVersion: preparator.version,
          text: textOf(entity),
        }),
      );
    });
  });

  it('gives the same entry to items with identical texts, also when served from the cache', async () => {
    const twin = fn('twin');
    const copy = { ...twin, lineNumber: twin.lineNumber + 50, endLine: twin.endLine + 50 };
    const cache = new FakeCache([[cacheKeyOf(twin), cachedEntry(marker(1))]]);
    const { generator, embedder } = setup({ cache });
    const result = await generator.processFunctions([twin, copy]);
    expect(embedder.texts).toEqual([]);
    expect(result.prepared[0]).toEqual({ text: textOf(twin), contentKey: cacheKeyOf(twin) });
    expect(result.prepared[1]).toEqual(result.prepared[0]);
  });

  it('is null for items that failed validation or preparation, set for items the model failed', async () => {
    const failing: TextPreparator = {
      version: preparator.version,
      prepareFunction(entity): PreparedText {
        if (entity.name === 'broken') throw new Error('no text');
        return preparator.prepareFunction(entity);
      },
      prepareClass: (entity) => preparator.prepareClass(entity),
    };
    const poisoned = fn('poisoned');
    const { generator } = setup({
      textPreparator: failing,
      embedder: { failText: (text: string) => text.includes('poisoned') },
    });
    const result = await generator.processBatch([null, fn('broken'), poisoned, fn('fine')]);
    expect(result.prepared[0]).toBeNull();
    expect(result.prepared[1]).toBeNull();
    expect(result.errors[key(poisoned)]).toMatch(/embedding failed/);
    expect(result.prepared[2]).toEqual({ text: textOf(poisoned), contentKey: cacheKeyOf(poisoned) });
    expect(result.prepared[3]?.text).toBe(textOf(fn('fine')));
  });
});

describe('caching', () => {
  it('test_cache_hit: serves a cached vector and never calls embed()', async () => {
    const entity = fn('cached');
    const stored = marker(3);
    const cache = new FakeCache([[cacheKeyOf(entity), cachedEntry(stored)]]);
    const { generator, embedder } = setup({ cache });
    const result = await generator.processFunctions([entity]);
    expect(result.embeddings[key(entity)]).toEqual(Array.from(stored));
    expect(embedder.calls).toEqual([]);
    expect(embedder.describeCalls).toBeGreaterThanOrEqual(1);
    expect(result.summary).toEqual({ total: 1, success: 1, failed: 0, cached: 1, newlyEmbedded: 0 });
    expect(cache.flushAttempts).toBe(0); // nothing new to save
  });

  it('test_cache_miss: embeds a missing text and stores it under its content key with the seed fields', async () => {
    const cache = new FakeCache();
    const { generator } = setup({ cache });
    const entity = method('Parser', 'parse_file');
    const before = Date.now();
    await generator.processBatch([entity]);
    const entry = cache.entries.get(cacheKeyOf(entity));
    expect(entry).toBeDefined();
    expect(Array.from(entry!.embedding)).toEqual(vectorOf(entity));
    expect(entry!.name).toBe('Parser.parse_file');
    expect(entry!.modelVersion).toBe('v1');
    expect(entry!.location).toBe(key(entity));
    expect(Date.parse(entry!.timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(cache.persisted.has(cacheKeyOf(entity))).toBe(true); // flushed at the end
  });

  it('test_cache_persistence: what one run flushed serves the next run after a restart', async () => {
    const items = [fn('a'), cls('B'), method('B', 'c')];
    const cache = new FakeCache();
    const first = setup({ cache });
    const one = await first.generator.processBatch(items);
    const restarted = cache.reopen();
    const second = setup({ cache: restarted });
    const two = await second.generator.processBatch(items);
    expect(second.embedder.calls).toEqual([]);
    expect(two.embeddings).toEqual(one.embeddings);
    expect(two.summary).toMatchObject({ cached: 3, newlyEmbedded: 0 });
  });

  it('test_cache_hit_tracking: the summary and progress count hits and misses', async () => {
    const hits = [fn('h1'), fn('h2'), cls('H3')];
    const misses = [fn('m1'), method('K', 'm2')];
    const cache = new FakeCache(hits.map((e, i) => [cacheKeyOf(e), cachedEntry(marker(i))]));
    const { generator, embedder, progress } = setup({ cache, batchSize: 1 });
    const result = await generator.processBatch([misses[0], ...hits, misses[1]]);
    expect(result.summary).toEqual({ total: 5, success: 5, failed: 0, cached: 3, newlyEmbedded: 2 });
    expect(embedder.texts).toEqual(misses.map(textOf));
    expect(progress.map((p) => p.phase)).toEqual(['preparing', 'embedding', 'embedding', 'done']);
    expect(progress[0]).toEqual({ phase: 'preparing', total: 5, done: 3, cached: 3, embedded: 0, failed: 0 });
    expect(progress.at(-1)).toEqual({ phase: 'done', total: 5, done: 5, cached: 3, embedded: 2, failed: 0 });
  });

  it('never calls embed() when every entity is a cache hit (the model is not loaded)', async () => {
    const items = [fn('a'), fn('b'), cls('C')];
    const cache = new FakeCache(items.map((e, i) => [cacheKeyOf(e), cachedEntry(marker(i))]));
    const embedder = new FakeEmbedder();
    const embed = vi.spyOn(embedder, 'embed');
    const describeSpy = vi.spyOn(embedder, 'describe');
    const { generator } = setup({ cache, embedder });
    const result = await generator.processBatch(items);
    expect(embed).not.toHaveBeenCalled();
    expect(describeSpy).toHaveBeenCalled();
    expect(result.summary.cached).toBe(3);
  });

  it('embeds identical texts once: the first is newly embedded, the others count as cached', async () => {
    // Two definitions of one function in one file (e.g. redefined under a platform check).
    const first = fn('twin', { lineNumber: 10 });
    const second = fn('twin', { lineNumber: 40 });
    const third = fn('twin', { lineNumber: 70 });
    expect(textOf(first)).toBe(textOf(second));
    const cache = new FakeCache();
    const { generator, embedder } = setup({ cache });
    const result = await generator.processFunctions([first, fn('other'), second, third]);
    expect(embedder.texts.filter((text) => text === textOf(first))).toHaveLength(1);
    expect(result.summary).toEqual({ total: 4, success: 4, failed: 0, cached: 2, newlyEmbedded: 2 });
    expect(cache.entries.size).toBe(2);
    expect(result.embeddings[key(third)]).toEqual(result.embeddings[key(first)]);
    expect(result.embeddings[key(third)]).not.toBe(result.embeddings[key(first)]); // separate arrays
  });

  it('ignores a cache entry of the wrong size, with a warning, and re-embeds', async () => {
    const entity = fn('resized');
    const cache = new FakeCache([[cacheKeyOf(entity), cachedEntry(new Float32Array(3))]]);
    const { generator, embedder, logger } = setup({ cache });
    const result = await generator.processFunctions([entity]);
    expect(embedder.texts).toEqual([textOf(entity)]);
    expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect(result.warnings).toEqual([
      `[batch] ignored cache entries in ${cache.location} that are not 8-d vectors`,
    ]);
    expect(logger.warnings).toEqual(result.warnings);
  });

  it('works without a cache: everything newly embedded, identical texts still once', async () => {
    const { generator, embedder } = setup();
    const twin = fn('twin', { lineNumber: 5 });
    const result = await generator.processFunctions([twin, fn('twin', { lineNumber: 9 }), fn('solo')]);
    expect(embedder.texts).toHaveLength(2);
    expect(result.summary).toEqual({ total: 3, success: 3, failed: 0, cached: 1, newlyEmbedded: 2 });
    expect(result.metadata.cacheLocation).toBeUndefined();
  });

  it('opens the cache once per generator with the model identity, and reports its warnings', async () => {
    const cache = new FakeCache();
    cache.openWarnings = [
      '[cache] memory://fake-cache: written by model other/model; its 3 entries were set aside',
    ];
    const { generator, logger } = setup({ cache });
    const one = await generator.processFunctions([fn('a')]);
    const two = await generator.processClasses([cls('B')]);
    expect(cache.opened).toEqual([{ modelName: 'fake/model', modelVersion: 'v1', dimensions: 8 }]);
    expect(one.warnings).toEqual(cache.openWarnings);
    expect(two.warnings).toEqual(cache.openWarnings);
    expect(logger.warnings).toEqual(cache.openWarnings); // logged once, not per run
  });
});

describe('cache failures', () => {
  it('a cache that cannot be opened is not used; the run embeds everything and says why', async () => {
    const cache = new FakeCache();
    cache.failOpen = new CacheError('cannot read /ro/cache.json: EACCES');
    const { generator, embedder } = setup({ cache });
    const result = await generator.processFunctions([fn('a'), fn('b')]);
    expect(embedder.texts).toHaveLength(2);
    expect(result.summary.newlyEmbedded).toBe(2);
    expect(result.warnings).toEqual([
      '[cache] cannot read /ro/cache.json: EACCES; continuing without the cache',
    ]);
    expect(cache.lookups).toEqual([]);
    expect(cache.stored).toEqual([]);
    expect(result.metadata.cacheLocation).toBeUndefined();
  });

  it('a failing lookup embeds everything; a failing store keeps the results', async () => {
    const cache = new FakeCache();
    cache.failGet = new Error('connection reset');
    cache.failSet = new Error('connection reset');
    const { generator } = setup({ cache });
    const items = [fn('a'), fn('b')];
    const result = await generator.processFunctions(items);
    expect(result.summary).toMatchObject({ success: 2, newlyEmbedded: 2 });
    for (const entity of items) expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect(result.warnings).toEqual([
      '[cache] memory://fake-cache: read failed: connection reset; embedding every text',
      '[cache] memory://fake-cache: write failed: connection reset; results kept in memory',
    ]);
  });

  it('a failing flush keeps every result and is reported once however many checkpoints fail', async () => {
    const cache = new FakeCache();
    cache.failFlush = new CacheError('cannot write /full/cache.json: ENOSPC (in-memory results kept)');
    const { generator, logger } = setup({ cache, batchSize: 1, checkpointEvery: 1 });
    const items = [fn('a'), fn('b'), fn('c')];
    const result = await generator.processFunctions(items);
    expect(cache.flushAttempts).toBe(4); // after each of 3 chunks, and the final retry
    expect(result.summary).toEqual({ total: 3, success: 3, failed: 0, cached: 0, newlyEmbedded: 3 });
    for (const entity of items) expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect(result.warnings).toEqual([cache.failFlush.message]);
    expect(logger.warnings).toEqual([cache.failFlush.message]);
    expect(cache.entries.size).toBe(3); // still in the cache's memory for a later flush
  });

  it('a flush that recovers makes everything durable at the end', async () => {
    const cache = new FakeCache();
    cache.failFlush = new Error('EROFS');
    const { generator } = setup({ cache, batchSize: 1, checkpointEvery: 1 });
    let calls = 0;
    const flush = cache.flush.bind(cache);
    cache.flush = async () => {
      if (++calls === 2) cache.failFlush = undefined;
      return flush();
    };
    const result = await generator.processFunctions([fn('a'), fn('b'), fn('c')]);
    expect(result.warnings).toEqual(['[cache] memory://fake-cache: checkpoint failed: EROFS']);
    expect(cache.persisted.size).toBe(3);
  });
});

describe('whether the cache was saved', () => {
  it('is false when the cache could not even be opened, and true when every checkpoint landed', async () => {
    const broken = new FakeCache();
    broken.failOpen = new CacheError('cannot open /proc/nope/cache.json: ENOENT');
    const { generator } = setup({ cache: broken });
    const result = await generator.processFunctions([fn('a')]);
    expect(result.summary.success).toBe(1);
    expect(result.cacheSaved).toBe(false);
    const { generator: fine } = setup({ cache: new FakeCache() });
    expect((await fine.processFunctions([fn('a')])).cacheSaved).toBe(true);
    expect((await setup().generator.processFunctions([fn('a')])).cacheSaved).toBeUndefined();
  });
});

describe('checkpoints and abort', () => {
  it('flushes after every checkpointEvery new embeddings and at the end', async () => {
    const cache = new FakeCache();
    const { generator } = setup({ cache, batchSize: 2, checkpointEvery: 4 });
    await generator.processFunctions(Array.from({ length: 10 }, (_, i) => fn(`f${i}`)));
    expect(cache.flushes).toEqual([4, 8, 10]);
  });

  it('counts new embeddings across chunks and skips a final flush with nothing new', async () => {
    const cache = new FakeCache();
    const { generator } = setup({ cache, batchSize: 3, checkpointEvery: 4 });
    await generator.processFunctions(Array.from({ length: 10 }, (_, i) => fn(`g${i}`)));
    // chunks of 3,3,3,1: 6 ≥ 4 → flush; 3+1 = 4 → flush; nothing left for the end.
    expect(cache.flushes).toEqual([6, 10]);
    expect(cache.flushAttempts).toBe(2);
  });

  it('also checkpoints by time, so a slow run saves progress long before checkpointEvery', async () => {
    const cache = new FakeCache();
    const { generator } = setup({
      cache,
      batchSize: 1,
      checkpointEvery: 1_000,
      checkpointIntervalMs: 100,
      embedder: { delayMs: 40 },
    });
    await generator.processFunctions(Array.from({ length: 12 }, (_, i) => fn(`t${i}`)));
    // ~480 ms of embedding with a checkpoint due every 100 ms: several before the final one.
    expect(cache.flushes.length).toBeGreaterThanOrEqual(3);
    expect(cache.flushes[0]).toBeLessThan(12);
    expect(cache.flushes.at(-1)).toBe(12);
  });

  it('cache hits and failures do not count towards a checkpoint', async () => {
    const hit = fn('hit');
    const cache = new FakeCache([[cacheKeyOf(hit), cachedEntry(marker(1))]]);
    const { generator } = setup({
      cache,
      batchSize: 1,
      checkpointEvery: 2,
      embedder: { failText: (text) => text.includes('bad') },
    });
    await generator.processFunctions([hit, fn('bad1'), fn('ok1'), fn('bad2'), fn('ok2')]);
    expect(cache.flushes).toEqual([3]); // one flush, after the second new embedding
  });

  it('abort: stops before the next chunk, flushes what was embedded, then rejects with the reason', async () => {
    const controller = new AbortController();
    const cache = new FakeCache();
    const items = Array.from({ length: 6 }, (_, i) => fn(`h${i}`));
    const { generator, embedder } = setup({
      cache,
      batchSize: 2,
      checkpointEvery: 100,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase === 'embedding' && progress.embedded === 2) controller.abort();
      },
    });
    const error = await generator.processFunctions(items).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
    expect(error).toBe(controller.signal.reason);
    expect(embedder.calls).toHaveLength(1);
    expect([...cache.persisted.keys()].sort()).toEqual(
      items
        .slice(0, 2)
        .map((e) => cacheKeyOf(e))
        .sort(),
    );
    // A restart is served the flushed part.
    const resumed = setup({ cache: cache.reopen(), batchSize: 2 });
    const result = await resumed.generator.processFunctions(items);
    expect(result.summary).toMatchObject({ cached: 2, newlyEmbedded: 4 });
  });

  it('abort during an embed() call: the chunk is dropped, earlier chunks flushed, the reason rethrown', async () => {
    const controller = new AbortController();
    const cache = new FakeCache();
    const items = Array.from({ length: 4 }, (_, i) => fn(`k${i}`));
    const { generator } = setup({
      cache,
      batchSize: 2,
      signal: controller.signal,
      embedder: { during: (call) => call === 1 && controller.abort(new Error('user pressed Ctrl-C')) },
    });
    await expect(generator.processFunctions(items)).rejects.toThrow('user pressed Ctrl-C');
    expect(cache.persisted.size).toBe(2);
  });

  it('gives the event loop a turn between chunks, so a signal handler can stop a model that never yields', async () => {
    // The fake answers through microtasks only, like onnxruntime on the main thread: a timer or
    // signal callback queued before the run can fire only if the generator yields between chunks.
    const controller = new AbortController();
    const items = Array.from({ length: 8 }, (_, i) => fn(`y${i}`));
    const { generator, embedder } = setup({ batchSize: 2, signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(generator.processFunctions(items)).rejects.toMatchObject({ name: 'AbortError' });
    expect(embedder.calls.length).toBeLessThan(4);
  });

  it('an already aborted signal rejects before anything is done', async () => {
    const cache = new FakeCache();
    const { generator, embedder } = setup({ cache, signal: AbortSignal.abort() });
    await expect(generator.processFunctions([fn('a')])).rejects.toMatchObject({ name: 'AbortError' });
    expect(embedder.describeCalls).toBe(0);
    expect(cache.opened).toEqual([]);
  });
});

describe('error handling', () => {
  it('test_error_text_preparation: a preparator failure fails that item alone, naming entity, file, line and cause', async () => {
    const failing: TextPreparator = {
      version: preparator.version,
      prepareFunction(entity): PreparedText {
        if (entity.name === 'broken') throw new Error('docstring extraction failed');
        return preparator.prepareFunction(entity);
      },
      prepareClass: (entity) => preparator.prepareClass(entity),
    };
    const { generator, logger } = setup({ textPreparator: failing });
    const broken = method('Parser', 'broken');
    const fine = fn('fine');
    const result = await generator.processFunctions([broken, fine]);
    expect(result.errors).toEqual({
      [key(broken)]: `Parser.broken (${key(broken)}): text preparation failed: docstring extraction failed`,
    });
    expect(result.embeddings[key(broken)]).toBeNull();
    expect(result.embeddings[key(fine)]).toEqual(vectorOf(fine));
    expect(logger.warnings).toEqual([`[batch] ${result.errors[key(broken)]}`]);
  });

  it('test_error_text_preparation: the real preparator rejecting an entity (no language) is reported with its message', async () => {
    const { generator } = setup();
    const noLanguage = fn('nolang', { language: undefined as never });
    const result = await generator.processFunctions([noLanguage]);
    expect(result.errors[key(noLanguage)]).toMatch(
      /^nolang \(src\/app\.py:\d+\): text preparation failed: \[text-prep\] .*missing language$/,
    );
  });

  it('a preparator that returns no text or an empty text fails the item', async () => {
    const bad: TextPreparator = {
      version: 'bad/1',
      prepareFunction: (entity) => ({
        text: entity.name === 'empty' ? '  ' : (undefined as never),
        truncated: false,
        originalLength: 0,
      }),
      prepareClass: () => undefined as never,
    };
    const { generator } = setup({ textPreparator: bad });
    const items = [fn('empty'), fn('none'), cls('Nothing')];
    const result = await generator.processBatch(items);
    expect(result.errors[key(items[0]!)]).toMatch(
      /text preparation failed: the preparator returned an empty text/,
    );
    expect(result.errors[key(items[1]!)]).toMatch(/text preparation failed: the preparator returned no text/);
    expect(result.errors[key(items[2]!)]).toMatch(/text preparation failed: the preparator returned no text/);
  });

  it('a preparator throwing something other than an Error still yields a message', async () => {
    const odd: TextPreparator = {
      version: 'odd/1',
      prepareFunction: (entity) => {
        throw entity.name === 'str' ? 'plain string thrown' : { message: 'error-like object' };
      },
      prepareClass: () => {
        throw 42;
      },
    };
    const { generator } = setup({ textPreparator: odd });
    const items = [fn('str'), fn('obj'), cls('Num')];
    const result = await generator.processBatch(items);
    expect(Object.values(result.errors).map((m) => m.replace(/^.*text preparation failed: /, ''))).toEqual([
      'plain string thrown',
      'error-like object',
      '42',
    ]);
  });

  it('test_error_embedding_generation: a text the model fails is an error; the rest are embedded', async () => {
    const { generator, logger } = setup({ embedder: { failText: (text) => text.includes('explode') } });
    const bad = fn('explode');
    const good = [fn('calm'), fn('quiet')];
    const result = await generator.processFunctions([good[0]!, bad, good[1]!]);
    expect(result.errors).toEqual({
      [key(bad)]: `explode (${key(bad)}): embedding failed: [embedder] text 1: simulated model failure`,
    });
    for (const entity of good) expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect(logger.errors).toEqual([`[batch] ${result.errors[key(bad)]}`]);
  });

  it('test_error_embedding_generation: embed() throwing fails that chunk only; the next chunk is embedded', async () => {
    const { generator } = setup({
      batchSize: 2,
      embedder: { throwOnCall: (call) => (call === 0 ? new Error('out of memory') : undefined) },
    });
    const items = ['a', 'b', 'c', 'd'].map((name) => fn(name));
    const result = await generator.processFunctions(items);
    expect(result.errors).toEqual({
      [key(items[0]!)]: `a (${key(items[0]!)}): embedding failed: out of memory`,
      [key(items[1]!)]: `b (${key(items[1]!)}): embedding failed: out of memory`,
    });
    expect(result.embeddings[key(items[2]!)]).toEqual(vectorOf(items[2]!));
    expect(result.embeddings[key(items[3]!)]).toEqual(vectorOf(items[3]!));
    expect(result.summary).toEqual({ total: 4, success: 2, failed: 2, cached: 0, newlyEmbedded: 2 });
  });

  it('a failing text shared by several items fails each of them', async () => {
    const { generator } = setup({ embedder: { failText: (text) => text.includes('boom') } });
    const twins = [fn('boom', { lineNumber: 1 }), fn('boom', { lineNumber: 50 })];
    const result = await generator.processFunctions(twins);
    expect(Object.keys(result.errors)).toEqual(twins.map(key));
    expect(result.summary).toMatchObject({ failed: 2, success: 0 });
  });

  it('a wrong-sized vector or a missing outcome from the embedder fails those items', async () => {
    const embedder = new FakeEmbedder();
    embedder.embed = async () => [
      { ok: true, vector: new Float32Array(5), truncated: false },
      undefined as never, // a hole: no outcome for the second text
      { ok: true, vector: fakeVector('x'), truncated: false },
    ];
    const { generator } = setup({ embedder });
    const items = [fn('short'), fn('missing'), fn('fine')];
    const result = await generator.processFunctions(items);
    expect(result.errors[key(items[0]!)]).toMatch(
      /embedding failed: the embedder returned 5 values, expected 8$/,
    );
    expect(result.errors[key(items[1]!)]).toMatch(
      /embedding failed: the embedder returned no outcome for this text$/,
    );
    expect(result.embeddings[key(items[2]!)]).toEqual(Array.from(fakeVector('x')));
  });

  it('test_error_invalid_input: null, garbage and incomplete items become errors; valid items are embedded', async () => {
    const { generator, logger } = setup();
    const valid = fn('valid');
    const noKind = { ...fn('nokind'), kind: undefined };
    const badKind = { ...fn('weird'), kind: 'lambda' };
    const items: unknown[] = [
      null,
      undefined,
      42,
      'def f(): pass',
      [valid],
      { kind: 'function', name: 'nowhere' },
      { ...fn('zero'), lineNumber: 0 },
      noKind,
      badKind,
      { ...fn('anon'), name: '' },
      valid,
    ];
    const result = await generator.processBatch(items);
    expect(result.errors).toEqual({
      '<invalid item>:0': 'item 0: invalid input: expected a code entity, got null',
      '<invalid item>:1': 'item 1: invalid input: expected a code entity, got undefined',
      '<invalid item>:2': 'item 2: invalid input: expected a code entity, got number',
      '<invalid item>:3': 'item 3: invalid input: expected a code entity, got string',
      '<invalid item>:4': 'item 4: invalid input: expected a code entity, got an array',
      '<invalid item>:5': 'item 5 nowhere: invalid input: missing filePath',
      '<invalid item>:6': 'item 6 zero: invalid input: lineNumber must be a positive integer, got 0',
      [key(noKind)]: `item 7 nokind (${key(noKind)}): invalid input: missing kind`,
      [key(badKind)]: `item 8 weird (${key(badKind)}): invalid input: unknown kind "lambda"`,
      [key(items[9] as CodeEntity)]:
        `item 9 anon (${key(items[9] as CodeEntity)}): invalid input: missing name`,
    });
    expect(result.embeddings[key(valid)]).toEqual(vectorOf(valid));
    expect(result.summary).toEqual({ total: 11, success: 1, failed: 10, cached: 0, newlyEmbedded: 1 });
    expect(logger.errors).toHaveLength(10);
    expect(result.keys[0]).toBe('<invalid item>:0');
  });

  it('test_batch_partial_failure: failures of every kind, interleaved, never stop the batch', async () => {
    const failing: TextPreparator = {
      version: preparator.version,
      prepareFunction: (entity) => {
        if (entity.name.startsWith('prep')) throw new Error('cannot prepare');
        return preparator.prepareFunction(entity);
      },
      prepareClass: (entity) => preparator.prepareClass(entity),
    };
    const { generator, progress } = setup({
      textPreparator: failing,
      batchSize: 3,
      embedder: {
        failText: (text) => text.includes('model_fail'),
        throwOnCall: (_call, texts) =>
          texts.some((t) => t.includes('chunk_fail')) ? new Error('crash') : undefined,
      },
    });
    const good = Array.from({ length: 10 }, (_, i) => fn(`good${i}`));
    const items: unknown[] = [
      good[0],
      null,
      good[1],
      fn('prep_fail'),
      good[2],
      fn('model_fail'),
      good[3],
      good[4],
      good[5],
      fn('chunk_fail'),
      good[6],
      good[7],
      good[8],
      good[9],
    ];
    const result = await generator.processBatch(items);
    // Chunks of 3 misses: [good0-2] [model_fail good3 good4] [good5 chunk_fail good6] [good7-9].
    // The chunk that throws takes good5 and good6 with it; the next chunk is embedded.
    const failedGood = good.filter((e) => result.embeddings[key(e)] === null);
    expect(failedGood.map((e) => e.name)).toEqual(['good5', 'good6']);
    expect(result.errors[key(good[5]!)]).toMatch(/^good5 \(src\/app\.py:\d+\): embedding failed: crash$/);
    for (const entity of good.filter((e) => !failedGood.includes(e))) {
      expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    }
    expect(result.summary).toEqual({ total: 14, success: 8, failed: 6, cached: 0, newlyEmbedded: 8 });
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: 14, failed: 6 });
  });

  it('rejects when the model cannot be described: nothing could be keyed or embedded', async () => {
    const { generator } = setup({
      embedder: {
        describeError: new ModelNotFoundError('model fake/model not found; run `codesearch model pull`'),
      },
    });
    await expect(generator.processFunctions([fn('a')])).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('rejects input that is not an array', async () => {
    const { generator } = setup();
    await expect(generator.processBatch(null as never)).rejects.toThrow(
      '[batch] expected an array of code entities, got null',
    );
  });

  it('validates its options', () => {
    const embedder = new FakeEmbedder();
    expect(() => new BatchEmbeddingGenerator({ embedder, textPreparator: preparator, batchSize: 0 })).toThrow(
      '[batch] batchSize must be a positive integer, got 0',
    );
    expect(
      () => new BatchEmbeddingGenerator({ embedder, textPreparator: preparator, checkpointEvery: 1.5 }),
    ).toThrow(CodesearchError);
    expect(() => new BatchEmbeddingGenerator({ embedder } as never)).toThrow(/textPreparator are required/);
  });

  it('writes nothing to stdout or stderr without a logger', async () => {
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    const consoleSpies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((m) =>
      vi.spyOn(console, m),
    );
    const cache = new FakeCache();
    cache.failFlush = new Error('EROFS');
    const generator = new BatchEmbeddingGenerator({
      embedder: new FakeEmbedder({ failText: (t) => t.includes('bad') }),
      textPreparator: preparator,
      cache,
    });
    const result = await generator.processBatch([null, fn('bad'), fn('good')]);
    expect(result.summary.failed).toBe(2);
    expect(result.warnings).toHaveLength(1);
    for (const spy of [stdout, stderr, ...consoleSpies]) expect(spy).not.toHaveBeenCalled();
  });
});

describe('metadata and summary', () => {
  afterEach(() => vi.useRealTimers());

  it('test_metadata_tracking: model identity, text format, cache location, times', async () => {
    const cache = new FakeCache();
    const { generator } = setup({
      cache,
      embedder: { modelName: 'org/model-x', modelVersion: 'sha256:abc', dimensions: 16 },
    });
    const before = Date.now();
    const result = await generator.processFunctions([fn('a')]);
    const after = Date.now();
    expect(result.metadata).toMatchObject({
      modelName: 'org/model-x',
      modelVersion: 'sha256:abc',
      dimensions: 16,
      textPrepVersion: preparator.version,
      cacheLocation: cache.location,
    });
    const processedAt = Date.parse(result.metadata.processedAt);
    expect(result.metadata.processedAt).toBe(new Date(processedAt).toISOString());
    expect(processedAt).toBeGreaterThanOrEqual(before);
    expect(processedAt).toBeLessThanOrEqual(after);
    expect(result.metadata.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.metadata.durationMs).toBeLessThanOrEqual(after - before + 1);
    const [entry] = [...cache.entries.values()];
    expect(entry!.modelVersion).toBe('sha256:abc');
    expect(Date.parse(entry!.timestamp)).toBeGreaterThanOrEqual(before);
    expect(entry!.embedding).toHaveLength(16);
  });

  it('durationMs measures the run', async () => {
    const embedder = new FakeEmbedder();
    const embed = embedder.embed.bind(embedder);
    embedder.embed = async (texts, options) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return embed(texts, options);
    };
    const { generator } = setup({ embedder });
    const result = await generator.processFunctions([fn('slow')]);
    expect(result.metadata.durationMs).toBeGreaterThanOrEqual(55);
  });

  it('test_result_summary_accuracy: summary counts agree with embeddings, errors and embedder calls', async () => {
    const items: unknown[] = [];
    const hits: CodeEntity[] = [];
    for (let i = 0; i < 40; i++) {
      if (i % 7 === 0) items.push(null);
      else if (i % 5 === 0) items.push(fn(`fail_${i}`));
      else if (i % 3 === 0) {
        const hit = fn(`hit_${i}`);
        hits.push(hit);
        items.push(hit);
      } else if (i % 4 === 0) items.push(fn('dupe', { lineNumber: 1000 + i }));
      else items.push(i % 2 ? fn(`f_${i}`) : cls(`C_${i}`));
    }
    const cache = new FakeCache(hits.map((e, i) => [cacheKeyOf(e), cachedEntry(marker(i))]));
    const { generator, embedder } = setup({
      cache,
      batchSize: 4,
      embedder: { failText: (t) => t.includes('fail_') },
    });
    const result = await generator.processBatch(items);
    const values = Object.values(result.embeddings);
    const { summary } = result;
    expect(summary.total).toBe(items.length);
    expect(Object.keys(result.embeddings)).toHaveLength(items.length);
    expect(summary.success).toBe(values.filter((v) => v !== null).length);
    expect(summary.failed).toBe(values.filter((v) => v === null).length);
    expect(summary.failed).toBe(Object.keys(result.errors).length);
    expect(summary.success + summary.failed).toBe(summary.total);
    expect(summary.cached + summary.newlyEmbedded).toBe(summary.success);
    const modelSuccesses = embedder.texts.filter((t) => !t.includes('fail_')).length;
    expect(summary.newlyEmbedded).toBe(modelSuccesses);
    const dupes = items.filter((e) => (e as CodeEntity | null)?.name === 'dupe').length;
    expect(summary.cached).toBe(hits.length + dupes - 1);
    expect(cache.entries.size).toBe(hits.length + modelSuccesses);
  });

  it('test_model_version_detection: vectors cached for another model version are not served', async () => {
    const items = [fn('a'), cls('B')];
    const cache = new FakeCache();
    await setup({ cache, embedder: { modelVersion: 'v1' } }).generator.processBatch(items);
    const upgraded = setup({ cache: cache.reopen(), embedder: { modelVersion: 'v2' } });
    const result = await upgraded.generator.processBatch(items);
    expect(upgraded.embedder.texts).toEqual(items.map(textOf));
    expect(result.summary).toMatchObject({ cached: 0, newlyEmbedded: 2 });
    expect(result.metadata.modelVersion).toBe('v2');
    expect(cache.opened[0]!.modelVersion).toBe('v1');
    // And a changed text format is a new identity too.
    const reformatted = setup({
      cache: cache.reopen(),
      textPreparator: createTextPreparator({ maxChars: 1500 }),
    });
    expect((await reformatted.generator.processBatch(items)).summary.cached).toBe(0);
  });
});

describe('keys and edge cases', () => {
  it('two entities on one location get distinct keys and a warning', async () => {
    const first = fn('first', { filePath: 'src/min.js', language: 'javascript', lineNumber: 1 });
    const second = fn('second', { filePath: 'src/min.js', language: 'javascript', lineNumber: 1 });
    const third = fn('third', { filePath: 'src/min.js', language: 'javascript', lineNumber: 1 });
    const { generator } = setup();
    const result = await generator.processFunctions([first, second, third]);
    expect(result.keys).toEqual(['src/min.js:1', 'src/min.js:1.2', 'src/min.js:1.3']);
    expect(result.embeddings['src/min.js:1']).toEqual(vectorOf(first));
    expect(result.embeddings['src/min.js:1.2']).toEqual(vectorOf(second));
    expect(result.embeddings['src/min.js:1.3']).toEqual(vectorOf(third));
    expect(result.warnings).toEqual([
      '[batch] more than one item at src/min.js:1: second (src/min.js:1) is keyed src/min.js:1.2',
      '[batch] more than one item at src/min.js:1: third (src/min.js:1) is keyed src/min.js:1.3',
    ]);
    expect(result.summary.success).toBe(3);
  });

  it('empty input list: an empty result with metadata, no embed, no flush', async () => {
    const cache = new FakeCache();
    const { generator, embedder, progress } = setup({ cache });
    const result = await generator.processBatch([]);
    expect(result.summary).toEqual({ total: 0, success: 0, failed: 0, cached: 0, newlyEmbedded: 0 });
    expect(result.embeddings).toEqual({});
    expect(result.errors).toEqual({});
    expect(result.metadata.modelName).toBe('fake/model');
    expect(embedder.calls).toEqual([]);
    expect(cache.lookups).toEqual([]);
    expect(cache.flushAttempts).toBe(0);
    expect(progress.map((p) => p.phase)).toEqual(['preparing', 'done']);
  });

  it('single function batch: one embed() call of one text whatever the batch size', async () => {
    const { generator, embedder, progress } = setup({ batchSize: 64 });
    const only = fn('only');
    await generator.processFunctions([only]);
    expect(embedder.calls).toEqual([[textOf(only)]]);
    expect(progress.map((p) => p.phase)).toEqual(['preparing', 'embedding', 'done']);
  });

  it('functions with no docstrings are embedded (their text has no doc line)', async () => {
    const bare = fn('bare', { docstring: undefined, sourceCode: 'def bare(x):\n    return x\n' });
    const { generator, embedder } = setup();
    const result = await generator.processFunctions([bare]);
    expect(embedder.texts[0]).not.toMatch(/^doc:/m);
    expect(embedder.texts[0]).toContain('def bare(x):');
    expect(result.embeddings[key(bare)]).toEqual(vectorOf(bare));
  });

  it('very long function bodies: embedded as capped windows within the budget, counted as one item', async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `    total += compute_${i}(x)`).join('\n');
    const long = fn('long', { sourceCode: `def long(x):\n${body}\n    return total\n` });
    const { generator, embedder } = setup();
    const result = await generator.processFunctions([long]);
    expect(long.sourceCode.length).toBeGreaterThan(100_000);
    expect(embedder.texts).toHaveLength(MAX_WINDOWS);
    for (const text of embedder.texts) expect(text.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
    expect(embedder.texts[0]).toBe(textOf(long));
    expect(embedder.texts.at(-1)).toMatch(/ {4}return total$/);
    expect(result.windowEmbeddings[key(long)]).toHaveLength(MAX_WINDOWS);
    expect(result.summary).toMatchObject({ total: 1, newlyEmbedded: 1, cached: 0 });
  });

  it('unicode in function names, qualified names and paths', async () => {
    const items = [
      fn('größe_berechnen', { filePath: 'src/ünïcödé.py' }),
      method('Über', '计算', { filePath: 'src/ünïcödé.py' }),
      cls('Ünïcode', { filePath: 'src/ünïcödé.py' }),
    ];
    const cache = new FakeCache();
    const { generator } = setup({ cache });
    const result = await generator.processBatch(items);
    expect(result.keys).toEqual(items.map(key));
    for (const entity of items) expect(result.embeddings[key(entity)]).toEqual(vectorOf(entity));
    expect([...cache.entries.values()].map((e) => e.name).sort()).toEqual(
      ['größe_berechnen', 'Über.计算', 'Ünïcode'].sort(),
    );
  });
});
