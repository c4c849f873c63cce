import type { EmbeddingModelInfo } from './embedder.js';

/** The design document's cache metadata. */
export interface CacheMetadata {
  modelName: string;
  modelVersion: string;
  dimensions: number;
  /** ISO-8601 timestamps. */
  created: string;
  updated: string;
  /**
   * Set when opening found a cache written by another model or dimension: what was there,
   * and where its entries went (they are never served to this model).
   */
  replaced?: {
    modelName: string;
    modelVersion: string;
    dimensions: number;
    entries: number;
    /** Where the old cache was moved aside, when it was kept. */
    movedTo?: string;
    /** ISO-8601 time of the replacement. */
    at: string;
  };
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
  /** Where the cache lives, for messages: a file path or a URL without credentials. */
  readonly location: string;
  open(model: EmbeddingModelInfo): Promise<CacheOpenReport>;
  getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>>;
  setMany(entries: ReadonlyArray<readonly [key: string, entry: EmbeddingCacheEntry]>): Promise<void>;
  /**
   * Makes everything set so far durable (a checkpoint). Rejects with a `CacheError` naming
   * the location and cause when it cannot write; the entries stay in memory and a later
   * flush tries again.
   */
  flush(): Promise<void>;
  close(): Promise<void>;
}
