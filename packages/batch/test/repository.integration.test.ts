import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createEmbeddingCache, inspectCacheFile } from '@codesearch/cache';
import { createTransformersEmbedder, DEFAULT_MODEL, type TransformersEmbedder } from '@codesearch/embedder';
import { parseDirectory } from '@codesearch/parser';
import { createTextPreparator } from '@codesearch/text-prep';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchEmbeddingGenerator, embedRepository, type RepositoryEmbedding } from '../src/index.js';
import { cosine, norm, requireModelsDir, tempDir, writeTree } from './support.js';

const LONG_BODY = Array.from({ length: 3000 }, (_, i) => `    total += weight_${i} * value_${i}`).join('\n');

/** A small mixed-language repository: classes, methods, functions, unicode, one huge function. */
const REPOSITORY: Record<string, string> = {
  'geometry/shapes.py': `"""Shapes."""
import math


class Circle:
    """A circle given its radius."""

    def __init__(self, radius):
        self.radius = radius

    def area(self):
        """Area of the circle."""
        return math.pi * self.radius ** 2


def distance(a, b):
    """Euclidean distance between two points."""
    return math.hypot(a[0] - b[0], a[1] - b[1])


def no_docstring(values):
    return sorted(set(values))
`,
  'geometry/größen.py': `class Maßeinheit:
    """Eine Maßeinheit."""

    def größe_berechnen(self, wert):
        return wert * 2


def 计算总和(数字):
    return sum(数字)
`,
  'stats/huge.py': `def weighted_total(weights, values):\n    total = 0\n${LONG_BODY}\n    return total\n`,
  'web/http.ts': `export class HttpClient {
  constructor(private readonly baseUrl: string) {}

  /** GET a JSON document. */
  async getJson(path: string): Promise<unknown> {
    const response = await fetch(this.baseUrl + path);
    return response.json();
  }
}

export function retry<T>(times: number, run: () => Promise<T>): Promise<T> {
  return run().catch((error) => (times > 0 ? retry(times - 1, run) : Promise.reject(error)));
}
`,
};

let modelsDir = '';
let reference: TransformersEmbedder;
const preparator = createTextPreparator();

beforeAll(async () => {
  modelsDir = await requireModelsDir();
  reference = createTransformersEmbedder({ modelsDir });
});
afterAll(() => reference?.dispose());

async function repository(files = REPOSITORY): Promise<{ root: string; cacheFile: string }> {
  const dir = await tempDir();
  const root = path.join(dir, 'repo');
  await writeTree(root, files);
  return { root, cacheFile: path.join(dir, 'cache', 'cache.json') };
}

function vectorFor(run: RepositoryEmbedding, qualifiedName: string): number[] {
  const index = run.entities.findIndex((e) => e.qualifiedName === qualifiedName);
  expect(index, `${qualifiedName} not found`).toBeGreaterThanOrEqual(0);
  const vector = run.result.embeddings[run.result.keys[index]!];
  expect(vector, `${qualifiedName} has no vector`).toBeTruthy();
  return vector!;
}

describe('embedRepository with the real parser, model and cache', () => {
  it('test_end_to_end_parser_to_embeddings: every entity gets the vector the model gives its prepared text', async () => {
    const { root, cacheFile } = await repository();
    const run = await embedRepository(root, { modelsDir, cache: cacheFile });
    const { result, entities } = run;
    // Definitions; top-level code between them (kind `code`) is a unit too, whatever the parser makes of it.
    const definitions = entities.filter((e) => e.kind !== 'code');
    expect(definitions.map((e) => e.qualifiedName).sort()).toEqual(
      [
        'Circle',
        'Circle.__init__',
        'Circle.area',
        'distance',
        'no_docstring',
        'Maßeinheit',
        'Maßeinheit.größe_berechnen',
        '计算总和',
        'weighted_total',
        'HttpClient',
        'HttpClient.constructor',
        'HttpClient.getJson',
        'retry',
      ].sort(),
    );
    expect(result.summary).toEqual({
      total: entities.length,
      success: entities.length,
      failed: 0,
      cached: 0,
      newlyEmbedded: entities.length,
    });
    expect(result.keys).toEqual(entities.map((e) => `${e.filePath}:${e.lineNumber}`));
    expect(result.metadata).toMatchObject({
      modelName: DEFAULT_MODEL,
      dimensions: 384,
      cacheLocation: cacheFile,
    });
    expect(result.metadata.modelVersion).toMatch(/^sha256:/);
    // Each vector is the model's vector for that entity's prepared text, not a neighbour's.
    const texts = entities.map((e) => preparator.prepareEntity(e).text);
    const direct = await reference.embed(texts);
    entities.forEach((entity, index) => {
      const vector = result.embeddings[result.keys[index]!]!;
      const outcome = direct[index]!;
      if (!outcome.ok) throw outcome.error;
      expect(vector).toHaveLength(384);
      expect(norm(vector)).toBeCloseTo(1, 4);
      expect(cosine(vector, outcome.vector), entity.qualifiedName).toBeGreaterThan(0.9999);
    });
    // The huge function is several windows, each embedded: the model's vector for that window's text.
    const huge = entities.findIndex((e) => e.name === 'weighted_total');
    const windows = preparator.prepareWindows(entities[huge]!);
    expect(windows.length).toBeGreaterThan(1);
    expect(result.prepared[huge]!.windows!.map((window) => window.text)).toEqual(windows.map((w) => w.text));
    const windowVectors = result.windowEmbeddings[result.keys[huge]!]!;
    const directWindows = await reference.embed(windows.map((window) => window.text));
    directWindows.forEach((outcome, index) => {
      if (!outcome.ok) throw outcome.error;
      expect(cosine(windowVectors[index]!, outcome.vector), `window ${index}`).toBeGreaterThan(0.9999);
    });
    // Related code lands closer than unrelated code.
    expect(cosine(vectorFor(run, 'Circle.area'), vectorFor(run, 'Circle'))).toBeGreaterThan(
      cosine(vectorFor(run, 'Circle.area'), vectorFor(run, 'retry')),
    );
    // The cache file was written and closed.
    expect((await stat(cacheFile)).size).toBeGreaterThan(0);
  });

  it('test_cache_persistence: a second run is served from the cache file with the same vectors', async () => {
    const { root, cacheFile } = await repository();
    const first = await embedRepository(root, { modelsDir, cache: cacheFile });
    const second = await embedRepository(root, { modelsDir, cache: cacheFile });
    expect(second.result.summary).toMatchObject({
      cached: first.entities.length,
      newlyEmbedded: 0,
      failed: 0,
    });
    for (const key of first.result.keys) {
      const [a, b] = [first.result.embeddings[key]!, second.result.embeddings[key]!];
      expect(Math.max(...a.map((value, i) => Math.abs(value - b[i]!)))).toBeLessThan(1e-6);
    }
  });

  it('the model is never loaded when every entity is cached; test_model_version_detection: changed model files get nothing from the cache', async () => {
    const { root, cacheFile } = await repository();
    const modelCopy = path.join(await tempDir('codesearch-model-'), 'all-MiniLM-L6-v2');
    await cp(path.join(modelsDir, ...DEFAULT_MODEL.split('/')), modelCopy, { recursive: true });
    // A model of the user's own (no pull manifest): changed files are a new model, not a damaged one.
    await rm(path.join(modelCopy, 'codesearch-model.json'));
    const first = await embedRepository(root, { model: modelCopy, cache: cacheFile });
    expect(first.result.summary.newlyEmbedded).toBe(first.entities.length);

    const embedder = createTransformersEmbedder({ model: modelCopy });
    await embedder.describe(); // identity taken from the intact files
    await writeFile(path.join(modelCopy, 'onnx', 'model_quantized.onnx'), 'this is not an ONNX model');
    const second = await embedRepository(root, { embedder, cache: cacheFile });
    expect(second.result.summary).toMatchObject({
      cached: first.entities.length,
      newlyEmbedded: 0,
      failed: 0,
    });
    expect(embedder.timings.batches).toBe(0);
    // Proof the check can fail: loading the model now does fail.
    await expect(embedder.embed(['def f(): pass'])).rejects.toThrow(/cannot load model/);

    // test_model_version_detection: a fresh embedder sees other model files (another digest),
    // so nothing cached is served to it — it has to load the (broken) model, and fails.
    const changed = createTransformersEmbedder({ model: modelCopy });
    expect((await changed.describe()).modelVersion).not.toBe(first.result.metadata.modelVersion);
    const third = await embedRepository(root, { embedder: changed, cache: cacheFile });
    expect(third.result.summary).toMatchObject({ cached: 0, success: 0, failed: first.entities.length });
    expect(Object.values(third.result.errors)[0]).toMatch(/embedding failed: .*cannot load model/);
    expect(third.result.warnings.length).toBeGreaterThan(0); // the cache says the model changed
  });

  it('a function moved within its file is a cache hit; an edited one is re-embedded', async () => {
    const before = `def stable(x):\n    """Unchanged."""\n    return x * 3\n\n\ndef edited(x):\n    return x + 1\n`;
    const after = `import os\n\n\ndef edited(x):\n    return x + 2\n\n\ndef added():\n    return os.sep\n\n\ndef stable(x):\n    """Unchanged."""\n    return x * 3\n`;
    const { root, cacheFile } = await repository({ 'mod.py': before });
    const first = await embedRepository(root, { modelsDir, cache: cacheFile });
    await writeFile(path.join(root, 'mod.py'), after);
    const second = await embedRepository(root, { modelsDir, cache: cacheFile });
    const line = (run: RepositoryEmbedding, name: string) =>
      run.entities.find((e) => e.name === name)!.lineNumber;
    expect(line(second, 'stable')).not.toBe(line(first, 'stable'));
    // stable, edited, added and whatever units the parser makes of the new `import os`.
    const total = second.entities.length;
    expect(second.entities.filter((e) => e.kind !== 'code')).toHaveLength(3);
    expect(second.result.summary).toEqual({
      total,
      success: total,
      failed: 0,
      cached: 1,
      newlyEmbedded: total - 1,
    });
    expect(vectorFor(second, 'stable')).toEqual(vectorFor(first, 'stable'));
    expect(cosine(vectorFor(second, 'edited'), vectorFor(first, 'edited'))).toBeLessThan(0.99999);
  });

  it('cache corruption: a garbage cache file is survived, reported, and replaced by a good one', async () => {
    const { root, cacheFile } = await repository({
      'a.py': 'def one():\n    return 1\n\n\ndef two():\n    return 2\n',
    });
    await writeTree(path.dirname(cacheFile), {
      'cache.json': '{"metadata": {"modelName": "x", "embeddings": [1, 2',
    });
    const first = await embedRepository(root, { modelsDir, cache: cacheFile });
    expect(first.result.summary).toMatchObject({ success: 2, newlyEmbedded: 2, failed: 0 });
    expect(first.result.warnings.join('\n')).toMatch(/cache\.json/);
    JSON.parse(await readFile(cacheFile, 'utf8')); // valid again
    const second = await embedRepository(root, { modelsDir, cache: cacheFile });
    expect(second.result.summary).toMatchObject({ cached: 2, newlyEmbedded: 0 });
    expect(second.result.warnings).toEqual([]);
  });

  it('missing cache file: created (with its directories) by the first run', async () => {
    const { root } = await repository({ 'a.py': 'def one():\n    return 1\n' });
    const deep = path.join(await tempDir(), 'not', 'yet', 'there', 'cache.json');
    const first = await embedRepository(root, { modelsDir, cache: deep });
    expect(first.result.summary.newlyEmbedded).toBe(1);
    expect(first.result.warnings).toEqual([]);
    expect((await stat(deep)).isFile()).toBe(true);
  });

  it('test_embedding_consistency: the same input gives the same embedding, run after run', async () => {
    const { root } = await repository();
    const one = await embedRepository(root, { modelsDir, cache: false, modelBatchSize: 1 });
    const two = await embedRepository(root, { modelsDir, cache: false, modelBatchSize: 8 });
    expect(two.result.keys).toEqual(one.result.keys);
    for (const key of one.result.keys) {
      const [a, b] = [one.result.embeddings[key]!, two.result.embeddings[key]!];
      expect(cosine(a, b)).toBeGreaterThan(0.99999);
      expect(Math.max(...a.map((value, i) => Math.abs(value - b[i]!)))).toBeLessThan(1e-4);
    }
  });

  it('checkpoints reach the real cache file during the run', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`m${i}.py`] = `def f${i}(x):\n    return x ** ${i}\n`;
    const { root, cacheFile } = await repository(files);
    const { entities } = await parseDirectory(root);
    const cache = createEmbeddingCache(cacheFile);
    const embedder = createTransformersEmbedder({ modelsDir });
    const generator = new BatchEmbeddingGenerator({
      embedder,
      textPreparator: preparator,
      cache,
      batchSize: 2,
      checkpointEvery: 2,
    });
    // After each flush, count the entries on disk: the cache file and its journal, as a new
    // process would read them.
    const durable: number[] = [];
    const flush = cache.flush.bind(cache);
    cache.flush = async () => {
      await flush();
      durable.push((await inspectCacheFile(cacheFile)).entries);
    };
    try {
      const result = await generator.processFunctions(entities);
      expect(result.summary.newlyEmbedded).toBe(6);
      expect(durable).toEqual([2, 4, 6]);
    } finally {
      await cache.close();
      await embedder.dispose();
    }
  });
});
