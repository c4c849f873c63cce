import { createEmbeddingCache } from '@codesearch/cache';
import type { DirectoryParseEvent } from '@codesearch/parser';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchEmbeddingResult,
  embedRepository,
  type RepositoryChunk,
  type StreamProgress,
  streamRepository,
} from '../src/index.js';
import { FakeCache, FakeEmbedder } from './fakes.js';
import { tempDir, writeTree } from './support.js';

// Real parser, real files; the embedder is a fake (the stream is about orchestration).

/** `count` Python files of `functions` small functions each, one long function in the first. */
function pythonTree(count: number, functions: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let file = 0; file < count; file++) {
    const body: string[] = [];
    for (let i = 0; i < functions; i++) {
      body.push(`def f${file}_${i}(x):\n    """Return x plus ${i}."""\n    return x + ${i}\n`);
    }
    if (file === 0) {
      // Long enough for several windows: windows must stay with their unit across chunks.
      const lines = Array.from({ length: 120 }, (_, i) => `    total = total + ${i} * x  # step ${i}`);
      body.push(`def long_one(x):\n    total = 0\n${lines.join('\n')}\n    return total\n`);
    }
    files[`pkg${file % 3}/m${file}.py`] = body.join('\n');
  }
  return files;
}

let root = '';
beforeAll(async () => {
  root = await tempDir();
  await writeTree(root, pythonTree(12, 9));
});

async function collect(stream: AsyncIterable<RepositoryChunk>): Promise<RepositoryChunk[]> {
  const chunks: RepositoryChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The per-unit parts of chunk results, concatenated in order. */
function concatenated(results: BatchEmbeddingResult[]) {
  return {
    keys: results.flatMap((result) => result.keys),
    prepared: results.flatMap((result) => result.prepared),
    embeddings: Object.assign({}, ...results.map((result) => result.embeddings)),
    windowEmbeddings: Object.assign({}, ...results.map((result) => result.windowEmbeddings)),
  };
}

describe('streamRepository', () => {
  it('gives the same keys, texts, vectors and counts as embedRepository, in chunks of whole files', async () => {
    const whole = await embedRepository(root, { embedder: new FakeEmbedder(), cache: false });
    const stream = streamRepository(root, { embedder: new FakeEmbedder(), cache: false, chunkUnits: 25 });
    const chunks = await collect(stream);

    expect(chunks.length).toBeGreaterThan(3);
    expect(concatenated(chunks.map((chunk) => chunk.result))).toEqual({
      keys: whole.result.keys,
      prepared: whole.result.prepared,
      embeddings: whole.result.embeddings,
      windowEmbeddings: whole.result.windowEmbeddings,
    });
    expect(Object.keys(whole.result.windowEmbeddings).length).toBe(1);
    expect(chunks.flatMap((chunk) => chunk.entities)).toEqual(whole.entities);
    expect(stream.outcome.summary).toEqual(whole.result.summary);
    expect(stream.outcome.parse.files).toEqual(whole.parse.files);
    expect(stream.outcome.parse.sourceFiles).toEqual(whole.parse.sourceFiles);
    // A file is never split: each chunk lists its files, and every unit of the chunk is in one of them.
    const seen = new Set<string>();
    for (const chunk of chunks) {
      for (const entity of chunk.entities) expect(chunk.files).toContain(entity.filePath);
      for (const file of chunk.files) {
        expect(seen.has(file)).toBe(false);
        seen.add(file);
      }
    }
  });

  it('holds at most one chunk (plus the files the parser reads ahead) at a time', async () => {
    const big = await tempDir();
    await writeTree(big, pythonTree(60, 40)); // 2,400 units
    const chunkUnits = 200;
    let parsed = 0;
    let yielded = 0;
    let mostHeld = 0;
    let largestFile = 0;
    const stream = streamRepository(big, {
      embedder: new FakeEmbedder(),
      cache: false,
      chunkUnits,
      parse: {
        onEvent: (event: DirectoryParseEvent) => {
          if (event.type !== 'file') return;
          parsed += event.file.entities.length;
          largestFile = Math.max(largestFile, event.file.entities.length);
          // Units parsed but not yet handed over: what the stream holds now.
          mostHeld = Math.max(mostHeld, parsed - yielded);
        },
      },
    });
    for await (const chunk of stream) {
      expect(chunk.entities.length).toBeLessThan(chunkUnits + largestFile);
      yielded += chunk.entities.length;
    }
    expect(yielded).toBe(2_400 + 1);
    // The bound does not grow with the tree: one chunk plus the file that overflowed it.
    expect(mostHeld).toBeLessThan(chunkUnits + largestFile);
  });

  it('reports failed units per item and goes on', async () => {
    const embedder = new FakeEmbedder({ failText: (text) => text.includes('plus 3.') });
    const stream = streamRepository(root, { embedder, cache: false, chunkUnits: 30 });
    const chunks = await collect(stream);
    expect(stream.outcome.summary.failed).toBe(12);
    expect(Object.keys(stream.outcome.errors)).toHaveLength(12);
    expect(Object.values(stream.outcome.errors)[0]).toMatch(/f\d+_3 \(.*\): embedding failed/);
    expect(stream.outcome.summary.success).toBe(stream.outcome.summary.total - 12);
    const failedInChunks = chunks.reduce((sum, chunk) => sum + chunk.result.summary.failed, 0);
    expect(failedInChunks).toBe(12);
  });

  it('on abort, keeps what earlier chunks embedded in the cache and rejects with the reason', async () => {
    const controller = new AbortController();
    const cache = new FakeCache();
    const taken: RepositoryChunk[] = [];
    const stream = streamRepository(root, {
      embedder: new FakeEmbedder(),
      cache,
      chunkUnits: 25,
      signal: controller.signal,
    });
    await expect(
      (async () => {
        for await (const chunk of stream) {
          taken.push(chunk);
          if (taken.length === 2) controller.abort(new DOMException('stop', 'AbortError'));
        }
      })(),
    ).rejects.toThrow('stop');
    expect(taken).toHaveLength(2);
    const embeddedBefore = taken.flatMap((chunk) => chunk.result.prepared.map((item) => item!.contentKey));
    for (const key of embeddedBefore) expect(cache.persisted.has(key)).toBe(true);
    expect(() => stream.outcome).toThrow('before the last chunk');
  });

  it('a second run over the same cache embeds nothing (the chunks find every text in it)', async () => {
    const dir = await tempDir();
    const location = `${dir}/cache.json`;
    const first = streamRepository(root, { embedder: new FakeEmbedder(), cache: location, chunkUnits: 20 });
    await collect(first);
    const again = new FakeEmbedder();
    const second = streamRepository(root, { embedder: again, cache: location, chunkUnits: 20 });
    await collect(second);
    expect(again.texts).toEqual([]);
    expect(second.outcome.summary.cached).toBe(first.outcome.summary.total);
    expect(second.outcome.cacheSaved).toBe(true);
    // The JSON file cache is a real one here: it was closed by the stream.
    const reopened = createEmbeddingCache(location);
    await reopened.open(await again.describe());
    const entries = await reopened.getMany(
      (
        await collect(streamRepository(root, { embedder: again, cache: false, chunkUnits: 500 }))
      )[0]!.result.prepared.map((item) => item!.contentKey),
    );
    expect(entries.every((entry) => entry !== undefined)).toBe(true);
    await reopened.close();
  });

  it('progress: a running total until the last file is parsed, then final; the file total from the walk', async () => {
    const events: StreamProgress[] = [];
    const stream = streamRepository(root, {
      embedder: new FakeEmbedder(),
      cache: false,
      chunkUnits: 25,
      onProgress: (progress) => events.push(progress),
    });
    await collect(stream);
    const total = stream.outcome.summary.total;
    const early = events.find((event) => !event.totalFinal && event.phase === 'embedding');
    expect(early).toBeDefined();
    expect(early!.total).toBeLessThan(total);
    expect(events.at(-1)).toMatchObject({ phase: 'done', totalFinal: true, total, done: total });
    expect(events.at(-1)!.files).toEqual({ done: 12, total: 12 });
    const dones = events.map((event) => event.done);
    expect([...dones].sort((a, b) => a - b)).toEqual(dones);
  });

  it('rejects a missing root before making a cache or loading a model', async () => {
    const embedder = new FakeEmbedder();
    const stream = streamRepository(`${root}/nope`, { embedder, cache: new FakeCache() });
    await expect(collect(stream)).rejects.toThrow('no such file or directory');
    expect(embedder.describeCalls).toBe(0);
  });
});
