import type { EmbeddingModelInfo } from './embedder.js';

/** The design document's cache metadata. */
export interface CacheMetadata {
  modelName: string;
  modelVersion: string;
  dimensions: number;
  /** ISO-8601 timestamps. */
  created: string;
  updated: string;
}

/** One cached embedding, keyed by a digest of model identity and prepared text. */
export interface EmbeddingCacheEntry {
  /** Entity name, for people reading the cache. */
  name: string;
  embedding: Float32Array;
  /** ISO-8601 time the vector was computed. */
  timestamp: string;
  modelVersion: string;
  /** Where the entity was when embedded: `${filePath}:${lineNumber}`. */
  location?: string;
}

/** What opening a cache found. */
export interface CacheOpenReport {
  metadata: CacheMetadata;
  /** Entries already present for this model. */
  entries: number;
  /** Warnings for the caller to show once (model changed, corrupt file moved aside, …). */
  warnings: string[];
}

/**
 * Persistent store of embeddings. Contract version `v1`.
 * A cache written for another model or dimension is never served.
 */
export interface EmbeddingCache {
  readonly specificationVersion: 'v1';
  open(model: EmbeddingModelInfo): Promise<CacheOpenReport>;
  getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>>;
  setMany(entries: ReadonlyArray<readonly [key: string, entry: EmbeddingCacheEntry]>): Promise<void>;
  /** Makes everything set so far durable (a checkpoint). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
