import type { EmbeddingModelInfo, Language, LocationKey } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { ANN_INDEX_TYPE, type CodeIndex, type IndexRecord, openCodeIndex } from '../src/index.js';
import { lancedb, tempDir, track, withTable } from './helpers.js';

// The approximate vector index (IVF_HNSW_SQ) on a real LanceDB table, its threshold lowered.

const DIMS = 64;
const MODEL: EmbeddingModelInfo = {
  modelName: 'test/clusters',
  modelVersion: 'sha256:c1c1',
  dimensions: DIMS,
};
const THRESHOLD = 2_000;
const ROWS = 3_000;
const PER_FILE = 20;

/** Mulberry32: the same vectors on every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalise(vector: Float32Array): Float32Array {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

/** Unit vectors in 40 clusters (centre + noise), like embeddings of related code. */
function clusteredVectors(count: number, seed: number): Float32Array[] {
  const random = generator(seed);
  const centres = Array.from({ length: 40 }, () =>
    normalise(Float32Array.from({ length: DIMS }, () => random() * 2 - 1)),
  );
  return Array.from({ length: count }, () => {
    const centre = centres[Math.floor(random() * centres.length)]!;
    return normalise(centre.map((value) => value + (random() * 2 - 1) * 0.12));
  });
}

function row(
  i: number,
  vector: Float32Array,
  options: { language?: Language; prefix?: string } = {},
): IndexRecord {
  const file = `${options.prefix ?? 'src'}/module${Math.floor(i / PER_FILE)}.py`;
  const line = (i % PER_FILE) * 10 + 1;
  const name = `function_${i}`;
  return {
    locationKey: `${file}:${line}` as LocationKey,
    window: 0,
    windowStart: line,
    windowEnd: line + 5,
    filePath: file,
    lineNumber: line,
    endLine: line + 5,
    kind: i % 5 === 0 ? 'class' : 'function',
    name,
    qualifiedName: name,
    language: options.language ?? 'python',
    text: `def ${name}():\n    return ${i}`,
    contentDigest: `digest:${file}:${line}:${i}`,
    vector,
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Ground truth computed here, not by LanceDB: the `k` records most similar to `query`. */
function exactNearest(records: readonly IndexRecord[], query: Float32Array, k: number): string[] {
  return records
    .map((record) => ({ key: record.locationKey, score: dot(record.vector, query) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((entry) => entry.key);
}

async function trained(records: IndexRecord[]): Promise<{ index: CodeIndex; dir: string }> {
  const dir = await tempDir();
  const index = track(await openCodeIndex(dir, { model: MODEL, annThreshold: THRESHOLD }));
  await index.sync(records);
  return { index, dir };
}

const vectors = clusteredVectors(ROWS + 60, 1);
const base = vectors.slice(0, ROWS).map((vector, i) => row(i, vector));
// Queries near the data but not in it: other members of the same clusters.
const queries = vectors.slice(ROWS);

describe('approximate vector index', () => {
  it('is built by a sync that reaches the threshold, and not below it', async () => {
    const { index } = await trained(base);
    const stats = await index.stats();
    expect(stats.ann).toMatchObject({
      type: ANN_INDEX_TYPE,
      trainedRows: ROWS,
      indexedRows: ROWS,
      unindexedRows: 0,
    });
    await withTable(index.directory, async (table) => {
      const indices = await table.listIndices();
      expect(indices.find((entry) => entry.columns.includes('vector'))?.indexType).toMatch(/HNSW/i);
    });

    const small = track(await openCodeIndex(await tempDir(), { model: MODEL, annThreshold: THRESHOLD }));
    await small.sync(base.slice(0, THRESHOLD - 1));
    expect((await small.stats()).ann).toBeUndefined();
  });

  it('finds the exact nearest neighbours at recall@10 >= 0.95, with exact cosine scores', async () => {
    const { index } = await trained(base);
    expect((await index.stats()).ann).toBeDefined();
    let found = 0;
    for (const query of queries) {
      const truth = new Set(exactNearest(base, query, 10));
      const hits = await index.vectorCandidates(query, { depth: 10 });
      found += hits.filter((hit) => truth.has(hit.locationKey)).length;
      const byKey = new Map(base.map((record) => [record.locationKey, record]));
      for (const hit of hits)
        expect(hit.score).toBeCloseTo(dot(byKey.get(hit.locationKey)!.vector, query), 4);
    }
    const recall = found / (queries.length * 10);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps language and kind filters: a rare language still fills the list with its nearest rows', async () => {
    // 30 Go rows among 3,000: far fewer than the probed partitions would hold by chance.
    const records = base.map((record, i) =>
      i % 100 === 7 ? { ...record, language: 'go' as Language } : record,
    );
    const { index } = await trained(records);
    expect((await index.stats()).ann).toBeDefined();
    const goRows = records.filter((record) => record.language === 'go');
    for (const query of queries.slice(0, 10)) {
      const hits = await index.vectorCandidates(query, { depth: 10, languages: ['go'] });
      expect(hits.map((hit) => hit.language)).toEqual(Array(10).fill('go'));
      expect(hits.map((hit) => hit.locationKey)).toEqual(exactNearest(goRows, query, 10));

      const classes = await index.vectorCandidates(query, { depth: 10, kinds: ['class'] });
      expect(classes).toHaveLength(10);
      expect(classes.every((hit) => hit.kind === 'class')).toBe(true);

      const searched = await index.search(
        { text: 'function', vector: query },
        { k: 5, mode: 'vector', languages: ['go'] },
      );
      expect(searched.map((hit) => hit.language)).toEqual(Array(5).fill('go'));
    }
  });

  it('a filter too narrow for the probed partitions searches more of them (32 partitions, 12 Go rows)', async () => {
    const records = base.map((record, i) =>
      i % 250 === 7 ? { ...record, language: 'go' as Language } : record,
    );
    const { index, dir } = await trained(records);
    // Many small partitions (the store picks fewer, larger ones): 20 probed partitions hold
    // about 7 of the 12 Go rows, so a list of 10 needs the rest.
    await withTable(dir, (table) =>
      table.createIndex('vector', {
        name: 'vector_idx',
        replace: true,
        config: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 32 }),
      }),
    );
    const goRows = records.filter((record) => record.language === 'go');
    let found = 0;
    for (const query of queries.slice(0, 10)) {
      const hits = await index.vectorCandidates(query, { depth: 10, languages: ['go'] });
      // Filled: without the extra partitions only the Go rows of the 20 probed ones come back.
      expect(hits.map((hit) => hit.language)).toEqual(Array(10).fill('go'));
      const truth = new Set(exactNearest(goRows, query, 10));
      found += hits.filter((hit) => truth.has(hit.locationKey)).length;
    }
    // The extra partitions are searched until the list is full, not exhaustively: approximate.
    expect(found / 100).toBeGreaterThanOrEqual(0.8);
  });

  it('finds rows added after training, without retraining on a partial sync', async () => {
    const { index } = await trained(base);
    const before = (await index.stats()).ann!;
    // A refresh of new files: far from every cluster, so each is its own best match.
    const added = clusteredVectors(40, 99).map((vector, i) => row(i, vector, { prefix: 'new' }));
    const files = [...new Set(added.map((record) => record.filePath))];
    await index.sync(added, { files });
    for (const record of added.slice(0, 10)) {
      const [best] = await index.vectorCandidates(record.vector, { depth: 1 });
      expect(best?.locationKey).toBe(record.locationKey);
    }
    const after = (await index.stats()).ann!;
    expect(after.trainedRows).toBe(ROWS);
    expect(after.trainedAt).toBe(before.trainedAt);
  });

  it('a partial sync never retrains, even past the growth factor; the next whole sync does', async () => {
    const { index } = await trained(base.slice(0, THRESHOLD));
    const grown = clusteredVectors(2_200, 5).map((vector, i) => row(i, vector, { prefix: 'grown' }));
    await index.sync(grown, { files: [...new Set(grown.map((record) => record.filePath))] });
    const afterPartial = (await index.stats()).ann!;
    expect(afterPartial.trainedRows).toBe(THRESHOLD);
    expect(afterPartial.indexedRows + afterPartial.unindexedRows).toBe(THRESHOLD + grown.length);

    await index.sync([...base.slice(0, THRESHOLD), ...grown]);
    expect((await index.stats()).ann).toMatchObject({
      trainedRows: THRESHOLD + grown.length,
      unindexedRows: 0,
    });
  });

  it('a whole sync with a small change does not retrain; the state survives reopening', async () => {
    const { index, dir } = await trained(base);
    const before = (await index.stats()).ann!;
    const edited = base.map((record, i) =>
      i < 50
        ? { ...record, contentDigest: `${record.contentDigest}:v2`, vector: queries[i % queries.length]! }
        : record,
    );
    const report = await index.sync(edited);
    expect(report.updated).toBe(50);
    await index.close();

    const reopened = track(await openCodeIndex(dir, { model: MODEL, annThreshold: THRESHOLD }));
    const after = (await reopened.stats()).ann!;
    expect(after).toMatchObject({
      trainedRows: ROWS,
      trainedAt: before.trainedAt,
      partitions: before.partitions,
    });
    // The edited rows are found under their new vectors.
    const [best] = await reopened.vectorCandidates(queries[3]!, { depth: 1 });
    expect(best?.locationKey).toBe(edited[3]!.locationKey);
    await reopened.sync(edited);
    expect((await reopened.stats()).ann?.trainedAt).toBe(before.trainedAt);
  });

  it('a whole sync leaves a few edited rows outside both indexes, found; past the deferral it retrains and folds them in', async () => {
    const { index } = await trained(base);
    const before = (await index.stats()).ann!;
    const edit = (count: number, version: string) =>
      base.map((record, i) =>
        i < count
          ? {
              ...record,
              contentDigest: `${record.contentDigest}:${version}`,
              vector: queries[i % queries.length]!,
            }
          : record,
      );
    // 40 edited rows: no optimize(), no retraining; the rows are found by the exhaustive parts.
    await index.sync(edit(40, 'v2'));
    const deferred = (await index.stats()).ann!;
    expect(deferred).toMatchObject({ trainedAt: before.trainedAt, unindexedRows: 40 });
    const [best] = await index.vectorCandidates(queries[7]!, { depth: 1 });
    expect(best?.locationKey).toBe(base[7]!.locationKey);
    const [named] = await index.search({ text: base[5]!.name }, { mode: 'lexical', k: 1 });
    expect(named?.locationKey).toBe(base[5]!.locationKey);

    // 1,200 edited rows (over ANN_DEFER_MIN_ROWS): retrained over every row, nothing left outside.
    await index.sync(edit(1_200, 'v3'));
    const folded = (await index.stats()).ann!;
    expect(folded.trainedAt).not.toBe(before.trainedAt);
    expect(folded).toMatchObject({ trainedRows: ROWS, unindexedRows: 0, indexedRows: ROWS });
  });

  it('partial syncs leave the upkeep to a whole sync, unless they ask for it (watch)', async () => {
    const { index } = await trained(base);
    const before = (await index.stats()).ann!;
    // 1,200 rows of new files, in partial syncs: past the deferral, but a refresh never retrains.
    const added = clusteredVectors(1_200, 77).map((vector, i) => row(i, vector, { prefix: 'added' }));
    const files = [...new Set(added.map((record) => record.filePath))];
    await index.sync(added.slice(0, 600), { files: files.slice(0, files.length / 2) });
    await index.sync(added.slice(600), { files: files.slice(files.length / 2) });
    expect((await index.stats()).ann).toMatchObject({ trainedAt: before.trainedAt, unindexedRows: 1_200 });
    // The same kind of sync with `maintain`: retrained over every row, nothing left outside.
    const last = files.at(-1)!;
    await index.sync(
      added.filter((record) => record.filePath === last),
      { files: [last], maintain: true },
    );
    const maintained = (await index.stats()).ann!;
    expect(maintained.trainedAt).not.toBe(before.trainedAt);
    expect(maintained).toMatchObject({ trainedRows: ROWS + 1_200, unindexedRows: 0 });
  });

  it('is dropped when the table shrinks below half the threshold (exact search again)', async () => {
    const { index } = await trained(base);
    expect((await index.stats()).ann).toBeDefined();
    await index.sync(base.slice(0, THRESHOLD / 2 - 1));
    expect((await index.stats()).ann).toBeUndefined();
  });

  it('is never built with annThreshold Infinity; a negative threshold is refused', async () => {
    const index = track(
      await openCodeIndex(await tempDir(), { model: MODEL, annThreshold: Number.POSITIVE_INFINITY }),
    );
    await index.sync(base);
    expect((await index.stats()).ann).toBeUndefined();
    await expect(openCodeIndex(await tempDir(), { model: MODEL, annThreshold: -1 })).rejects.toThrow(
      /annThreshold/,
    );
  });
});
