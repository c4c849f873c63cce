import type {
  CacheOpenReport,
  EmbeddingCache,
  EmbeddingCacheEntry,
  EmbeddingModelInfo,
} from '@codesearch/core';
import type { CodeIndex } from '@codesearch/store';

/**
 * The vectors an index already holds, as an embedding cache keyed by content digest (the
 * index's `contentDigest` is the cache key of its vector): a refresh re-embeds only text the
 * index has never seen, without loading the user's cache file. Reads from the index, then
 * from `next` (the user's cache) when given; new entries go to `next` only (the refresh writes
 * them to the index itself).
 */
export class IndexVectorCache implements EmbeddingCache {
  readonly specificationVersion = 'v1' as const;
  readonly location: string;
  readonly #index: CodeIndex;
  readonly #next: EmbeddingCache | undefined;
  #model: EmbeddingModelInfo | undefined;

  constructor(index: CodeIndex, next?: EmbeddingCache) {
    this.#index = index;
    this.#next = next;
    this.location = next ? `${index.directory} + ${next.location}` : index.directory;
  }

  async open(model: EmbeddingModelInfo): Promise<CacheOpenReport> {
    this.#model = model;
    const now = new Date().toISOString();
    const opened = await this.#next?.open(model);
    return (
      opened ?? {
        metadata: { ...model, created: now, updated: now },
        entries: 0,
        warnings: [],
      }
    );
  }

  async getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>> {
    const vectors = await this.#index.vectorsByDigest(keys);
    const entries: Array<EmbeddingCacheEntry | undefined> = keys.map((key) => {
      const embedding = vectors.get(key);
      return embedding
        ? {
            name: '',
            embedding,
            timestamp: new Date(0).toISOString(),
            modelVersion: this.#model?.modelVersion ?? '',
          }
        : undefined;
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
    await this.#next?.close();
  }
}
