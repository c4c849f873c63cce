import type {
  CacheOpenReport,
  EmbeddingCache,
  EmbeddingCacheEntry,
  EmbeddingModelInfo,
} from '@codesearch/core';

/**
 * Embeddings already computed and kept elsewhere, by content digest (the embedding cache key):
 * an index's vectors (`CodeIndex.vectorsByDigest` of `@codesearch/store`) are one.
 */
export interface PriorVectors {
  /** A description for messages (the index directory). */
  readonly directory?: string;
  vectorsByDigest(digests: readonly string[]): Promise<Map<string, Float32Array>>;
}

/**
 * An embedding cache that serves `prior` vectors first, then `next` (the user's cache) for the
 * rest. New entries go to `next` only. `next` is closed by `close()` only when `ownsNext`: a
 * cache made by someone else is closed by them.
 */
export class PriorVectorsCache implements EmbeddingCache {
  readonly specificationVersion = 'v1' as const;
  readonly location: string;
  readonly #prior: PriorVectors;
  readonly #next: EmbeddingCache | undefined;
  readonly #ownsNext: boolean;
  #model: EmbeddingModelInfo | undefined;

  constructor(prior: PriorVectors, next?: EmbeddingCache, options: { ownsNext?: boolean } = {}) {
    this.#prior = prior;
    this.#next = next;
    this.#ownsNext = options.ownsNext ?? true;
    this.location = next?.location ?? prior.directory ?? 'prior vectors';
  }

  async open(model: EmbeddingModelInfo): Promise<CacheOpenReport> {
    this.#model = model;
    const opened = await this.#next?.open(model);
    const now = new Date().toISOString();
    return opened ?? { metadata: { ...model, created: now, updated: now }, entries: 0, warnings: [] };
  }

  async getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>> {
    const vectors = await this.#prior.vectorsByDigest(keys);
    const entries: Array<EmbeddingCacheEntry | undefined> = keys.map((key) => {
      const embedding = vectors.get(key);
      if (!embedding) return undefined;
      return {
        name: '',
        embedding,
        timestamp: new Date(0).toISOString(),
        modelVersion: this.#model?.modelVersion ?? '',
      };
    });
    const missing = keys.filter((_, position) => entries[position] === undefined);
    if (this.#next && missing.length > 0) {
      const more = await this.#next.getMany(missing);
      let next = 0;
      for (const [position, entry] of entries.entries()) {
        if (entry === undefined) entries[position] = more[next++];
      }
    }
    return entries;
  }

  async setMany(entries: ReadonlyArray<readonly [key: string, entry: EmbeddingCacheEntry]>): Promise<void> {
    await this.#next?.setMany(entries);
  }

  async flush(): Promise<void> {
    await this.#next?.flush();
  }

  async close(): Promise<void> {
    if (this.#ownsNext) await this.#next?.close();
  }
}
