import type { Embedder } from '@codesearch/core';
import { EmbeddingError } from '@codesearch/core';
import { expect, it } from 'vitest';

export interface ConformanceOptions {
  /** A batch larger than the implementation's per-call or per-request limit. */
  largeBatch?: number;
  /** Check that related texts are closer than unrelated ones (real models only). */
  semantic?: boolean;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
}

async function vectorsOf(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  const outcomes = await embedder.embed(texts);
  return outcomes.map((outcome, index) => {
    if (!outcome.ok) throw new Error(`text ${index} failed: ${outcome.error.message}`);
    return outcome.vector;
  });
}

/**
 * The behaviour every `Embedder` promises. Call inside a `describe`; `make` returns the
 * implementation under test (shared across the cases).
 */
export function embedderConformance(
  make: () => Embedder | Promise<Embedder>,
  options: ConformanceOptions = {},
): void {
  const texts = [
    'def add(a, b):\n    return a + b',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source as model input
    'function greet(name: string): string { return `hello ${name}`; }',
    'func (s *Server) Close() error { return s.ln.Close() }',
  ];

  it('describes a named, versioned model with positive dimensions', async () => {
    const info = await (await make()).describe();
    expect(info.modelName).not.toBe('');
    expect(info.modelVersion).not.toBe('');
    expect(info.dimensions).toBeGreaterThan(0);
  });

  it('returns one unit-length vector of the model dimensions per text, in input order', async () => {
    const embedder = await make();
    const { dimensions } = await embedder.describe();
    const forward = await vectorsOf(embedder, texts);
    const backward = await vectorsOf(embedder, [...texts].reverse());
    expect(forward).toHaveLength(texts.length);
    for (const vector of forward) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector.length).toBe(dimensions);
      expect(norm(vector)).toBeCloseTo(1, 4);
    }
    for (const [index, text] of texts.entries()) {
      const [alone] = await vectorsOf(embedder, [text]);
      expect(cosine(forward[index]!, alone!)).toBeGreaterThan(0.999);
      expect(cosine(backward[texts.length - 1 - index]!, alone!)).toBeGreaterThan(0.999);
    }
    expect(cosine(forward[0]!, forward[1]!)).toBeLessThan(0.9999);
  });

  it('is deterministic: the same text gives the same vector', async () => {
    const embedder = await make();
    const [first] = await vectorsOf(embedder, [texts[0]!]);
    const [again] = await vectorsOf(embedder, [texts[0]!]);
    expect(Array.from(again!)).toEqual(Array.from(first!));
  });

  it('embeds unicode text', async () => {
    const [vector] = await vectorsOf(await make(), ['def größe(): return "📏 naïve café 世界"']);
    expect(norm(vector!)).toBeCloseTo(1, 4);
  });

  it('answers an empty list with an empty list', async () => {
    expect(await (await make()).embed([])).toEqual([]);
  });

  it('fails empty and non-string texts alone; the rest of the batch is embedded', async () => {
    const outcomes = await (await make()).embed([texts[0]!, '', null as unknown as string, '   ', texts[1]!]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, false, false, true]);
    for (const outcome of outcomes.filter((o) => !o.ok)) {
      if (outcome.ok) continue;
      expect(EmbeddingError.isInstance(outcome.error)).toBe(true);
      expect(outcome.error.message).toMatch(/empty text|expected a string/);
    }
  });

  it('embeds a batch larger than its limit, each vector as if embedded alone', async () => {
    const embedder = await make();
    const size = options.largeBatch ?? 100;
    const many = Array.from(
      { length: size },
      (_, i) => `def f${i}(x):\n    return x * ${i} + ${'y'.repeat(i % 17)}`,
    );
    const vectors = await vectorsOf(embedder, many);
    expect(vectors).toHaveLength(size);
    for (const index of [0, Math.floor(size / 2), size - 1]) {
      const [alone] = await vectorsOf(embedder, [many[index]!]);
      expect(cosine(vectors[index]!, alone!)).toBeGreaterThan(0.999);
    }
  });

  if (options.semantic) {
    it('puts related texts closer than unrelated ones', async () => {
      const [sum, add, http] = await vectorsOf(await make(), [
        'def sum_numbers(values): return sum(values)',
        'function addAll(numbers) { return numbers.reduce((a, b) => a + b, 0); }',
        'open an HTTP connection to the server and send headers',
      ]);
      expect(cosine(sum!, add!)).toBeGreaterThan(cosine(sum!, http!));
    });
  }
}
