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
 * An embedding cache that serves `next` (the user's cache) first, then `prior` vectors for
 * what it lacks. New entries go to `next` only. `next` is closed by `close()` only when `ownsNext`: a
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
    // The cache first: a keyed lookup. An index finds digests by scanning its table (~0.5 s per
    // 1,000 digests at 100k rows), so it is asked only for what the cache lacks.
    const entries: Array<EmbeddingCacheEntry | undefined> = this.#next
      ? await this.#next.getMany(keys)
      : keys.map(() => undefined);
    const missing = keys.filter((_, position) => entries[position] === undefined);
    if (missing.length === 0) return entries;
    const vectors = await this.#prior.vectorsByDigest(missing);
    for (const [position, key] of keys.entries()) {
      const embedding = entries[position] === undefined ? vectors.get(key) : undefined;
      if (!embedding) continue;
      entries[position] = {
        name: '',
        embedding,
        timestamp: new Date(0).toISOString(),
        modelVersion: this.#model?.modelVersion ?? '',
      };
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
