import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddingError, ModelNotFoundError } from '@codesearch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransformersEmbedder, DEFAULT_MODEL, TransformersEmbedder } from '../src/index.js';
import type { Prepared, Runtime } from '../src/transformers/transformers-embedder.js';
import { cosine, embedderConformance } from './embedder-conformance.js';
import { requireDefaultModel } from './model-dir.js';

let modelsDir = '';
beforeAll(async () => {
  modelsDir = await requireDefaultModel();
});

describe('TransformersEmbedder conformance (real all-MiniLM-L6-v2)', () => {
  let shared: TransformersEmbedder | undefined;
  afterAll(() => shared?.dispose());
  embedderConformance(() => (shared ??= createTransformersEmbedder({ modelsDir, batchSize: 16 })), {
    largeBatch: 40,
    semantic: true,
  });
});

describe('TransformersEmbedder', () => {
  it('takes name, version and dimensions from the model files', async () => {
    const info = await createTransformersEmbedder({ modelsDir }).describe();
    expect(info.modelName).toBe(DEFAULT_MODEL);
    expect(info.dimensions).toBe(384);
    expect(info.maxTokens).toBe(256);
    expect(info.modelVersion).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('does not load the model until the first embed', async () => {
    const embedder = createTransformersEmbedder({ modelsDir });
    await embedder.describe();
    expect((embedder as unknown as { runtime?: unknown }).runtime).toBeUndefined();
    await embedder.embed(['x = 1']);
    expect((embedder as unknown as { runtime?: unknown }).runtime).toBeDefined();
    await embedder.dispose();
  });

  it('truncates texts over the token limit by tokens and reports them as truncated', async () => {
    const embedder = createTransformersEmbedder({ modelsDir });
    const long = Array.from({ length: 400 }, (_, i) => `value_${i} = compute(${i})`).join('\n');
    const [short, cut, sameStart] = await embedder.embed([
      'def f(): pass',
      long,
      // Differs only after the first 256 tokens: must embed identically once truncated.
      `${long}\n${'extra_tail = 1\n'.repeat(50)}`,
    ]);
    expect(short?.ok && short.truncated).toBe(false);
    expect(cut?.ok && cut.truncated).toBe(true);
    if (!cut?.ok || !sameStart?.ok) throw new Error('embedding failed');
    expect(cosine(cut.vector, sameStart.vector)).toBeGreaterThan(0.99999);
    await embedder.dispose();
  });

  it('groups by length without changing any vector (batch sizes 1 and 7 agree)', async () => {
    const texts = Array.from({ length: 15 }, (_, i) => `def f${i}(x):\n    return ${'x + '.repeat(i * 3)}1`);
    const one = createTransformersEmbedder({ modelsDir, batchSize: 1 });
    const seven = createTransformersEmbedder({ modelsDir, batchSize: 7 });
    const [a, b] = [await one.embed(texts), await seven.embed(texts)];
    a.forEach((outcome, index) => {
      const other = b[index]!;
      if (!outcome.ok || !other.ok) throw new Error('embedding failed');
      expect(cosine(outcome.vector, other.vector)).toBeGreaterThan(0.99999);
    });
    await Promise.all([one.dispose(), seven.dispose()]);
  });

  it('retries a failing batch in halves, down to the single text that fails', async () => {
    class FlakyEmbedder extends TransformersEmbedder {
      readonly batchSizesSeen: number[] = [];
      protected override runModel(runtime: Runtime, batch: Prepared[]): Promise<Float32Array[]> {
        this.batchSizesSeen.push(batch.length);
        if (batch.length > 2) return Promise.reject(new Error('simulated out of memory'));
        if (batch.some((item) => item.index === 3)) return Promise.reject(new Error('simulated bad input'));
        return super.runModel(runtime, batch);
      }
    }
    // fp32 batches; int8 runs one text at a time (below).
    const embedder = new FlakyEmbedder({ modelsDir, batchSize: 8, precision: 'fp32' });
    const texts = Array.from({ length: 8 }, (_, i) => `def g${i}(): return ${i}`);
    const outcomes = await embedder.embed(texts);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true, false, true, true, true, true]);
    const failed = outcomes[3]!;
    expect(!failed.ok && failed.error.message).toMatch(/text 3: onnxruntime failed: simulated bad input/);
    expect(embedder.batchSizesSeen[0]).toBe(8);
    expect(Math.max(...embedder.batchSizesSeen.slice(1))).toBeLessThanOrEqual(4);
    await embedder.dispose();
  });

  it('runs int8 one text per model run whatever the batch size, so no vector depends on its neighbours', async () => {
    class CountingEmbedder extends TransformersEmbedder {
      readonly batchSizesSeen: number[] = [];
      protected override runModel(runtime: Runtime, batch: Prepared[]): Promise<Float32Array[]> {
        this.batchSizesSeen.push(batch.length);
        return super.runModel(runtime, batch);
      }
    }
    const embedder = new CountingEmbedder({ modelsDir, batchSize: 8 });
    const texts = [
      'def short(): pass',
      `def long():\n${'    x = compute(x)\n'.repeat(20)}`,
      'def mid(a, b): return a + b',
    ];
    const together = await embedder.embed(texts);
    expect(embedder.batchSizesSeen).toEqual([1, 1, 1]);
    const [alone] = await embedder.embed([texts[0]!]);
    expect(alone!.ok && together[0]!.ok && Array.from(alone!.vector)).toEqual(
      together[0]!.ok && Array.from(together[0]!.vector),
    );
    expect(() => new TransformersEmbedder({ modelsDir, batchSize: 0 })).toThrow(/batchSize/);
    await embedder.dispose();
  });

  it('says how to get a missing hub model', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'codesearch-models-'));
    try {
      const error = await createTransformersEmbedder({ modelsDir: empty })
        .describe()
        .catch((caught: unknown) => caught);
      expect(ModelNotFoundError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(
        `run \`codesearch model pull Xenova/all-MiniLM-L6-v2 --models-dir ${empty}\``,
      );
      // Constructing never touched the disk; embed reports the same cause.
      await expect(createTransformersEmbedder({ modelsDir: empty }).embed(['x'])).rejects.toThrow(
        /model pull/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('says what a local model directory lacks', async () => {
    const error = await createTransformersEmbedder({ model: '/nonexistent/my-model' })
      .describe()
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(
      /model my-model not found: \/nonexistent\/my-model lacks config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model_quantized\.onnx/,
    );
  });

  it('loads a model given as a directory path, with the same vectors', async () => {
    const byName = createTransformersEmbedder({ modelsDir });
    const byPath = createTransformersEmbedder({ model: path.join(modelsDir, 'Xenova', 'all-MiniLM-L6-v2') });
    const [[a], [b]] = [await byName.embed(['class Stack: pass']), await byPath.embed(['class Stack: pass'])];
    expect(a?.ok && b?.ok && cosine(a.vector, b.vector)).toBeGreaterThan(0.999999);
    expect((await byPath.describe()).modelVersion).toBe((await byName.describe()).modelVersion);
    await Promise.all([byName.dispose(), byPath.dispose()]);
  });

  it('refuses a nonsensical batch size', () => {
    expect(() => createTransformersEmbedder({ batchSize: 0 })).toThrow(EmbeddingError);
  });
});
