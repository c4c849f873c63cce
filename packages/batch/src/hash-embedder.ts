import type { Embedder, EmbeddingModelInfo, EmbedOutcome } from '@codesearch/core';

/**
 * A deterministic stand-in for a model: each text's vector is derived from a hash of the text
 * (FNV-1a, then xorshift), normalised to unit length. Costs microseconds per text, so a run
 * with it measures the pipeline around the model (parse, prepare, cache, store). Vectors carry
 * no meaning: for benchmarks and tests of the pipeline, never for search.
 */
export class HashEmbedder implements Embedder {
  readonly specificationVersion = 'v1' as const;
  readonly #info: EmbeddingModelInfo;

  constructor(dimensions = 384) {
    this.#info = {
      modelName: 'codesearch/hash',
      modelVersion: `hash-embedder/1;dimensions=${dimensions}`,
      dimensions,
    };
  }

  async describe(): Promise<EmbeddingModelInfo> {
    return this.#info;
  }

  async embed(texts: readonly string[]): Promise<EmbedOutcome[]> {
    return texts.map((text) => ({
      ok: true,
      vector: hashVector(text, this.#info.dimensions),
      truncated: false,
    }));
  }
}

export function createHashEmbedder(options: { dimensions?: number } = {}): HashEmbedder {
  return new HashEmbedder(options.dimensions);
}

/** A unit vector of `dimensions` values for `text`: equal texts, equal vectors. */
export function hashVector(text: string, dimensions: number): Float32Array {
  let state = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    state ^= text.charCodeAt(i);
    state = Math.imul(state, 0x01000193);
  }
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    // A zero state would stay zero: nudge it (FNV of some text can end at 0).
    if (state === 0) state = 0x9e3779b9;
    const value = (state | 0) / 2147483648;
    vector[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i]! *= scale;
  return vector;
}
