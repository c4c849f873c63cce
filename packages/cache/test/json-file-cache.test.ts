import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { EmbeddingCache } from '@codesearch/core';
import { CacheError } from '@codesearch/core';
import { describe, expect, it, vi } from 'vitest';
import { createEmbeddingCache, encodeVector, JsonFileEmbeddingCache } from '../src/index.js';
import { cacheConformance } from './cache-conformance.js';
import { bytesOf, entry, key, keysOnDisk, MODEL, tempDir, vector, warnings } from './helpers.js';

function fileIn(dir = tempDir()): string {
  return path.join(dir, 'cache.json');
}

async function opened(file: string, model = MODEL) {
  const sink = warnings();
  const cache = new JsonFileEmbeddingCache(file, {
    onWarning: sink.onWarning,
    lockStaleMs: 2000,
    lockWaitMs: 3000,
  });
  const report = await cache.open(model);
  return { cache, report, warned: sink.list };
}

async function writeValidFile(file: string, count: number): Promise<void> {
  const { cache } = await opened(file);
  await cache.setMany(Array.from({ length: count }, (_, i) => [key(i), entry(i)] as const));
  await cache.close();
}

function movedAside(dir: string, marker: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(`cache.json.${marker}-`));
}

describe('JsonFileEmbeddingCache: conformance', () => {
  const file = fileIn();
  cacheConformance(() => new JsonFileEmbeddingCache(file, { onWarning: () => {} }));
});

describe('JsonFileEmbeddingCache: round trip and format', () => {
  it('returns stored vectors bit for bit, in key order, undefined for misses', async () => {
    const file = fileIn();
    const { cache, report } = await opened(file);
    expect(report.entries).toBe(0);
    expect(report.warnings).toEqual([]);
    await cache.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    const got = await cache.getMany([key(2), key(9), key(1), key(2)]);
    expect(got.map((e) => e?.name)).toEqual(['fn_2', undefined, 'fn_1', 'fn_2']);
    expect(bytesOf(got[0]!.embedding).equals(bytesOf(vector(2)))).toBe(true);
    expect(got[2]).toEqual({ ...entry(1), embedding: expect.any(Float32Array) });
    expect(await cache.getMany([])).toEqual([]);
    await cache.flush();

    const again = await opened(file);
    expect(again.report.entries).toBe(2);
    const [one, two] = await again.cache.getMany([key(1), key(2)]);
    expect(bytesOf(one!.embedding).equals(bytesOf(vector(1)))).toBe(true);
    expect(bytesOf(two!.embedding).equals(bytesOf(vector(2)))).toBe(true);
    expect(one).toMatchObject({ name: 'fn_1', timestamp: entry(1).timestamp, location: 'src/file_1.py:2' });
  });

  it('writes the documented shape: metadata + embeddings keyed by content key, base64 vectors', async () => {
    const file = fileIn();
    const { cache } = await opened(file);
    const noLocation = { ...entry(3) };
    delete noLocation.location;
    await cache.setMany([
      [key(1), entry(1)],
      [key(3), noLocation],
    ]);
    await cache.flush();
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(data)).toEqual(['metadata', 'embeddings']);
    expect(Object.keys(data.metadata)).toEqual([
      'modelName',
      'modelVersion',
      'dimensions',
      'created',
      'updated',
    ]);
    expect(data.metadata).toMatchObject({ modelName: 'test/mini', modelVersion: 'v1', dimensions: 16 });
    expect(Date.parse(data.metadata.updated)).toBeGreaterThanOrEqual(Date.parse(data.metadata.created));
    expect(data.embeddings[key(1)]).toEqual({
      name: 'fn_1',
      embedding: encodeVector(vector(1)),
      timestamp: '2025-11-01T15:05:00.000Z',
      modelVersion: 'v1',
      location: 'src/file_1.py:2',
    });
    expect(Object.keys(data.embeddings[key(1)])).toEqual([
      'name',
      'embedding',
      'timestamp',
      'modelVersion',
      'location',
    ]);
    expect(data.embeddings[key(3)]).not.toHaveProperty('location');
    // One entry per line.
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"embedding"')),
    ).toHaveLength(2);
  });

  it('stores vectors in base64, far smaller than decimal JSON numbers', async () => {
    const dimensions = 384;
    const model = { ...MODEL, dimensions };
    const file = fileIn();
    const { cache } = await opened(file, model);
    const vectors = Array.from({ length: 1000 }, (_, i) => vector(i + 1, dimensions));
    await cache.setMany(vectors.map((v, i) => [key(i), { ...entry(i, dimensions), embedding: v }] as const));
    await cache.flush();
    const base64Bytes = statSync(file).size;
    const data = JSON.parse(readFileSync(file, 'utf8'));
    for (const [index, value] of Object.entries(data.embeddings) as Array<[string, { embedding: unknown }]>) {
      value.embedding = Array.from(vectors[Number.parseInt(index, 16)]!);
    }
    const decimalBytes = Buffer.byteLength(JSON.stringify(data));
    const perEntry = (bytes: number) => Math.round(bytes / 1000);
    console.info(
      `1000 × 384-d: base64 file ${base64Bytes} B (${perEntry(base64Bytes)} B/entry), ` +
        `decimal JSON ${decimalBytes} B (${perEntry(decimalBytes)} B/entry), ratio ${(decimalBytes / base64Bytes).toFixed(2)}`,
    );
    expect(base64Bytes).toBeLessThan(decimalBytes / 3);
  });
});

describe('JsonFileEmbeddingCache: persistence', () => {
  it('persists across instances and keeps created while updating updated', async () => {
    const file = fileIn();
    await writeValidFile(file, 3);
    const first = JSON.parse(readFileSync(file, 'utf8')).metadata;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { cache, report } = await opened(file);
    expect(report.entries).toBe(3);
    expect(report.metadata.created).toBe(first.created);
    await cache.setMany([[key(10), entry(10)]]);
    await cache.close(); // close flushes pending entries
    const second = JSON.parse(readFileSync(file, 'utf8')).metadata;
    expect(second.created).toBe(first.created);
    expect(second.updated > first.updated).toBe(true);
    expect((await opened(file)).report.entries).toBe(4);
  });

  it('writes nothing until flush(); a checkpoint appends to the journal and leaves the file as it is', async () => {
    const file = fileIn();
    await writeValidFile(file, 2);
    const before = readFileSync(file);
    const { cache } = await opened(file);
    await cache.setMany([[key(5), entry(5)]]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // longer than keyv-file's writeDelay
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}.journal`)).toBe(false);
    await cache.flush();
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(keysOnDisk(file)).toEqual([key(0), key(1), key(5)]);
    // Nothing pending: flush writes nothing.
    const journal = statSync(`${file}.journal`);
    await cache.flush();
    expect(statSync(`${file}.journal`)).toMatchObject({ size: journal.size, mtimeMs: journal.mtimeMs });
    expect(readFileSync(file).equals(before)).toBe(true);
    // close() folds the journal into the file.
    await cache.close();
    expect(existsSync(`${file}.journal`)).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings).sort()).toEqual([
      key(0),
      key(1),
      key(5),
    ]);
  });

  it('merges entries another instance flushed meanwhile (union, nothing lost)', async () => {
    const file = fileIn();
    const a = await opened(file);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = await opened(file);
    expect(b.report.metadata.created > a.report.metadata.created).toBe(true);
    await a.cache.setMany([[key(1), entry(1)]]);
    await b.cache.setMany([[key(2), entry(2)]]);
    await a.cache.flush();
    await b.cache.flush();
    await a.cache.setMany([[key(3), entry(3)]]);
    await a.cache.flush();
    expect(keysOnDisk(file)).toEqual([key(1), key(2), key(3)]);
    // b learned a's entry through the merge, and the file keeps the creation time of its first writer.
    expect((await b.cache.getMany([key(1)]))[0]?.name).toBe('fn_1');
    expect(JSON.parse(readFileSync(file, 'utf8')).metadata.created).toBe(a.report.metadata.created);
    await b.cache.close();
    await a.cache.close();
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(data.embeddings).sort()).toEqual([key(1), key(2), key(3)]);
    expect(data.metadata.created).toBe(a.report.metadata.created);
  });

  it('creates the cache directory at open (so a place it cannot use is said before any work), the file at the first flush', async () => {
    const file = path.join(tempDir(), 'a', 'b', 'cache.json');
    const { cache, report } = await opened(file);
    expect(report.entries).toBe(0);
    expect(existsSync(path.dirname(file))).toBe(true);
    expect(existsSync(file)).toBe(false);
    await cache.flush();
    expect(JSON.parse(readFileSync(file, 'utf8')).embeddings).toEqual({});
  });
});

describe('JsonFileEmbeddingCache: unusable files are moved aside, never overwritten', () => {
  const cases: Array<[string, (file: string) => Promise<void> | void]> = [
    ['garbage', (file) => writeFileSync(file, 'not json at all \u0000\u0001')],
    [
      'a valid file cut in half',
      async (file) => {
        await writeValidFile(file, 20);
        const bytes = readFileSync(file);
        writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      },
    ],
    [
      'JSON of the wrong shape',
      (file) => writeFileSync(file, JSON.stringify({ cache: [['k', { value: 1 }]] })),
    ],
    [
      'the design document’s snake_case format',
      (file) =>
        writeFileSync(
          file,
          JSON.stringify({
            metadata: { model_name: 'x', model_version: '1.0', dimensions: 768, created: 'a', updated: 'b' },
            embeddings: {},
          }),
        ),
    ],
    ['an empty file', (file) => writeFileSync(file, '')],
    ['a JSON array', (file) => writeFileSync(file, '[]')],
  ];

  for (const [label, make] of cases) {
    it(`${label}: warns with the new path, keeps the bytes, starts empty`, async () => {
      const dir = tempDir();
      const file = fileIn(dir);
      await make(file);
      const original = readFileSync(file);
      const { cache, report } = await opened(file);
      const moved = movedAside(dir, 'corrupt');
      expect(moved).toHaveLength(1);
      const target = path.join(dir, moved[0]!);
      expect(readFileSync(target).equals(original)).toBe(true);
      expect(report.warnings).toHaveLength(1);
      expect(report.warnings[0]).toContain(target);
      expect(report.entries).toBe(0);
      await cache.setMany([[key(1), entry(1)]]);
      await cache.flush();
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toEqual([key(1)]);
      expect(readFileSync(target).equals(original)).toBe(true);
    });
  }

  it('a file corrupted by someone else after open is moved aside by flush, with a warning', async () => {
    const dir = tempDir();
    const file = fileIn(dir);
    await writeValidFile(file, 1);
    const sink = warnings();
    const cache = new JsonFileEmbeddingCache(file, sink);
    await cache.open(MODEL);
    writeFileSync(file, '{"truncated": ');
    await cache.setMany([[key(2), entry(2)]]);
    await cache.flush();
    expect(movedAside(dir, 'corrupt')).toHaveLength(1);
    expect(sink.list).toHaveLength(1);
    expect(sink.list[0]).toContain(path.join(dir, movedAside(dir, 'corrupt')[0]!));
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings).sort()).toEqual([key(0), key(2)]);
  });

  it('drops single malformed entries with one warning and keeps the rest', async () => {
    const file = fileIn();
    await writeValidFile(file, 3);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.embeddings[key(0)].embedding = encodeVector(vector(0, 8)); // wrong length
    data.embeddings[key(1)].name = 42; // wrong type
    data.embeddings.other = 'not an entry';
    writeFileSync(file, JSON.stringify(data));
    const { cache, report } = await opened(file);
    expect(report.entries).toBe(1);
    expect(report.warnings).toEqual([expect.stringContaining('ignored 3 malformed entries')]);
    expect((await cache.getMany([key(0), key(1), key(2)])).map((e) => e?.name)).toEqual([
      undefined,
      undefined,
      'fn_2',
    ]);
  });

  it('treats an entry whose vector fails to decode as a miss, warning once per read', async () => {
    const file = fileIn();
    await writeValidFile(file, 2);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    const bad = data.embeddings[key(0)].embedding as string;
    data.embeddings[key(0)].embedding = `${bad.slice(0, -8)}!!!!!!!!`; // right length, not base64
    writeFileSync(file, JSON.stringify(data));
    const { cache, warned } = await opened(file);
    const got = await cache.getMany([key(0), key(1)]);
    expect(got[0]).toBeUndefined();
    expect(got[1]?.name).toBe('fn_1');
    expect(warned).toEqual([expect.stringContaining('1 entries could not be decoded')]);
  });
});

describe('JsonFileEmbeddingCache: model identity', () => {
  const others = [
    ['another version', { ...MODEL, modelVersion: 'v2-0123456789abcdef' }],
    ['other dimensions', { ...MODEL, dimensions: 32 }],
  ] as const;

  for (const [label, model] of others) {
    it(`${label}: never serves the old entries, moves the file aside, fills metadata.replaced`, async () => {
      const dir = tempDir();
      const file = fileIn(dir);
      await writeValidFile(file, 4);
      const original = readFileSync(file);
      const { cache, report } = await opened(file, model);
      expect(report.entries).toBe(0);
      expect(report.warnings).toHaveLength(1);
      const moved = movedAside(dir, 'model');
      expect(moved).toHaveLength(1);
      const target = path.join(dir, moved[0]!);
      expect(readFileSync(target).equals(original)).toBe(true);
      const warning = report.warnings[0]!;
      expect(warning).toContain('test/mini (version v1, 16 dimensions)');
      expect(warning).toContain(
        `${model.modelName} (version ${model.modelVersion}, ${model.dimensions} dimensions)`,
      );
      expect(warning).toContain(target);
      expect(report.metadata).toMatchObject({
        modelName: model.modelName,
        modelVersion: model.modelVersion,
        dimensions: model.dimensions,
        replaced: { modelName: 'test/mini', modelVersion: 'v1', dimensions: 16, entries: 4, movedTo: target },
      });
      expect(Number.isNaN(Date.parse(report.metadata.replaced!.at))).toBe(false);
      expect(await cache.getMany([key(0), key(1)])).toEqual([undefined, undefined]);
      await cache.flush();
      const data = JSON.parse(readFileSync(file, 'utf8'));
      expect(data.metadata.replaced).toEqual(report.metadata.replaced);
      expect(data.embeddings).toEqual({});
    });
  }

  it('keeps metadata.replaced across later opens, and drops a malformed one', async () => {
    const dir = tempDir();
    const file = fileIn(dir);
    await writeValidFile(file, 2);
    const next = { ...MODEL, modelVersion: 'v2' };
    const first = await opened(file, next);
    await first.cache.close();
    const again = await opened(file, next);
    expect(again.report.warnings).toEqual([]);
    expect(again.report.metadata.replaced).toEqual(first.report.metadata.replaced);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.metadata.replaced = { modelName: 'x', entries: 'many' };
    writeFileSync(file, JSON.stringify(data));
    const third = await opened(file, next);
    expect(third.report.warnings).toEqual([]);
    expect(third.report.metadata).not.toHaveProperty('replaced');
  });

  it('switching back to a model restores its file set aside by the switch, so nothing is computed twice', async () => {
    const dir = tempDir();
    const file = fileIn(dir);
    const other = { ...MODEL, modelVersion: 'v2-fp32' };
    const first = await opened(file);
    await first.cache.setMany([
      [key(1), entry(1)],
      [key(2), entry(2)],
    ]);
    await first.cache.close();
    const second = await opened(file, other);
    expect(second.report.entries).toBe(0);
    await second.cache.setMany([[key(3), entry(3)]]);
    await second.cache.close();

    const back = await opened(file);
    expect(back.report.entries).toBe(2);
    expect(back.report.warnings).toEqual([
      expect.stringContaining('was written by'),
      expect.stringMatching(/restored .*cache\.json\.model-v1-.* \(2 entries of test\/mini/),
    ]);
    expect(await back.cache.getMany([key(1), key(2), key(3)])).toEqual([entry(1), entry(2), undefined]);
    await back.cache.close();
    // The other model's file is the one aside now; going to it again restores it in turn.
    expect(movedAside(dir, 'model-v1')).toHaveLength(0);
    expect(movedAside(dir, 'model-v2')).toHaveLength(1);
    const again = await opened(file, other);
    expect(again.report.entries).toBe(1);
    await again.cache.close();
  });

  it('a cache file the user deleted is not brought back from one set aside earlier', async () => {
    const dir = tempDir();
    const file = fileIn(dir);
    const first = await opened(file);
    await first.cache.setMany([[key(1), entry(1)]]);
    await first.cache.close();
    await (await opened(file, { ...MODEL, modelVersion: 'v2' })).cache.close();
    rmSync(file); // the user starts over
    const fresh = await opened(file);
    expect(fresh.report).toMatchObject({ entries: 0, warnings: [] });
    await fresh.cache.close();
    expect(movedAside(dir, 'model-v1')).toHaveLength(1);
  });

  it('switching model on an open cache flushes the old one and reopens', async () => {
    const dir = tempDir();
    const file = fileIn(dir);
    const { cache } = await opened(file);
    await cache.setMany([[key(1), entry(1)]]);
    const again = await cache.open(MODEL);
    expect(again).toMatchObject({ entries: 1, warnings: [] });
    const report = await cache.open({ ...MODEL, modelVersion: 'v9' });
    expect(report.entries).toBe(0);
    expect(report.metadata.replaced).toMatchObject({ modelVersion: 'v1', entries: 1 });
    expect(movedAside(dir, 'model')).toHaveLength(1);
  });
});

describe('JsonFileEmbeddingCache: failures', () => {
  it('every method before open() throws a CacheError', async () => {
    const cache: EmbeddingCache = new JsonFileEmbeddingCache(fileIn());
    for (const call of [
      () => cache.getMany([key(1)]),
      () => cache.setMany([[key(1), entry(1)]]),
      () => cache.flush(),
    ]) {
      await expect(call()).rejects.toSatisfy(
        (error) => CacheError.isInstance(error) && error.code === 'NOT_OPEN',
      );
    }
    await cache.close(); // closing an unopened cache is harmless
  });

  it('rejects invalid models, keys and entries', async () => {
    const cache = new JsonFileEmbeddingCache(fileIn());
    await expect(cache.open({ ...MODEL, dimensions: 0 })).rejects.toThrow(/positive integer dimensions/);
    await cache.open(MODEL);
    await expect(cache.getMany([''])).rejects.toThrow(CacheError);
    await expect(cache.setMany([[key(1), entry(1, 8)]])).rejects.toThrow(/Float32Array of 16 values/);
    await expect(
      cache.setMany([[key(1), { ...entry(1), embedding: [1, 2] as unknown as Float32Array }]]),
    ).rejects.toThrow(CacheError);
  });

  it('a failed flush rejects naming the file and cause, keeps entries, and a later flush succeeds', async () => {
    const root = tempDir();
    const dir = path.join(root, 'cache-dir');
    const file = path.join(dir, 'cache.json');
    const { cache } = await opened(file);
    await cache.setMany([[key(1), entry(1)]]);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'a file where the directory should be'); // root cannot write here either
    const error = await cache.flush().catch((caught: unknown) => caught);
    expect(CacheError.isInstance(error)).toBe(true);
    expect((error as CacheError).code).toBe('WRITE_FAILED');
    expect((error as CacheError).message).toContain(file);
    expect((error as CacheError).message).toMatch(/EEXIST|ENOTDIR/);
    expect((error as CacheError).message).toContain('in-memory entries kept');
    expect((await cache.getMany([key(1)]))[0]?.name).toBe('fn_1');
    rmSync(dir);
    await cache.flush();
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings)).toEqual([key(1)]);
  });

  it('close() still closes when its flush fails, then rejects', async () => {
    const root = tempDir();
    const dir = path.join(root, 'd');
    const { cache } = await opened(path.join(dir, 'cache.json'));
    await cache.setMany([[key(1), entry(1)]]);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'blocker');
    await expect(cache.close()).rejects.toThrow(CacheError);
    await expect(cache.getMany([key(1)])).rejects.toThrow(/before open/);
  });

  it('takes over a stale lock left by a dead process', async () => {
    const file = fileIn();
    mkdirSync(`${file}.lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    const { cache } = await opened(file);
    await cache.setMany([[key(1), entry(1)]]);
    const started = Date.now();
    await cache.flush();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('waits for a live lock, then fails with a CacheError naming the file', async () => {
    const file = fileIn();
    const { cache } = await opened(file);
    await cache.setMany([[key(1), entry(1)]]);
    const lock = `${file}.lock`;
    mkdirSync(lock);
    // Keep the lock fresh, as a live holder does.
    const keepAlive = setInterval(() => utimesSync(lock, new Date(), new Date()), 200);
    try {
      const started = Date.now();
      const error = await cache.flush().catch((caught: unknown) => caught);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
      expect((error as CacheError).message).toContain(file);
      expect((error as CacheError).message).toContain(`${lock} is held by another process`);
    } finally {
      clearInterval(keepAlive);
      rmSync(lock, { recursive: true });
    }
    await cache.flush();
    expect(existsSync(file)).toBe(true);
  });

  it('removes temp files a killed writer left behind', async () => {
    const dir = tempDir();
    const file = fileIn(dir);
    writeFileSync(path.join(dir, 'cache.json.tmp-99999-deadbeef'), '{"half": ');
    writeFileSync(path.join(dir, 'other.json.tmp-1-x'), 'not ours');
    const { cache } = await opened(file);
    await cache.flush();
    expect(readdirSync(dir).sort()).toEqual(['cache.json', 'other.json.tmp-1-x']);
  });

  it('warns through process.emitWarning when no onWarning is given', async () => {
    const dir = tempDir();
    const file = fileIn(dir);
    const cache = new JsonFileEmbeddingCache(file);
    await cache.open(MODEL);
    writeFileSync(file, 'garbage written by someone else');
    await cache.setMany([[key(1), entry(1)]]);
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      await cache.flush();
      expect(emit).toHaveBeenCalledWith(expect.stringContaining('could not be used (invalid JSON'), {
        code: 'CODESEARCH_CACHE',
      });
    } finally {
      emit.mockRestore();
    }
  });

  it('createEmbeddingCache with a .json path uses that file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'custom.json');
    const cache = createEmbeddingCache(file, warnings());
    expect(cache.location).toBe(file);
    await cache.open(MODEL);
    await cache.setMany([[key(1), entry(1)]]);
    await cache.close();
    expect(readdirSync(dir)).toEqual(['custom.json']);
  });
});
