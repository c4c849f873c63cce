import type {
  Embedder,
  EmbeddingBatchResult,
  EmbeddingCache,
  LocationKey,
  TextPreparator,
} from '@codesearch/core';

/**
 * Where a batch is. Counts are items (units), not texts or windows: an item is done when all its
 * windows are; `done = cached + embedded + failed`.
 */
export interface BatchProgress {
  phase: 'preparing' | 'embedding' | 'done';
  total: number;
  done: number;
  cached: number;
  embedded: number;
  failed: number;
}

/** Where a library may say something. The default says nothing: only the caller writes to the terminal. */
export interface BatchLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface BatchEmbeddingOptions {
  embedder: Embedder;
  textPreparator: TextPreparator;
  /** Persistent cache; without one every text is embedded (identical texts still only once). */
  cache?: EmbeddingCache;
  /** Texts per `embedder.embed()` call (default 16); the embedder batches the model itself. */
  batchSize?: number;
  /** Flush the cache after this many new embeddings (default 256), and always at the end. */
  checkpointEvery?: number;
  /**
   * …or when this many milliseconds have passed since the last checkpoint with new embeddings
   * waiting (default 2 000), so that a run killed every few seconds still saves its progress.
   */
  checkpointIntervalMs?: number;
  /** Called after preparation, after each embedded chunk and at the end. */
  onProgress?: (progress: BatchProgress) => void;
  logger?: BatchLogger;
  /** Stops before the next chunk; what was embedded is flushed, then the call rejects with the reason. */
  signal?: AbortSignal;
}

/** One of the windows a long item was embedded as: its text, cache key and file lines. */
export interface PreparedWindowItem {
  text: string;
  contentKey: string;
  /** 1-based file lines the window's code stands for. */
  startLine: number;
  endLine: number;
}

/** The text the model saw for an item, and the cache key of that text. */
export interface PreparedItem {
  /** The prepared text (what was embedded, or found in the cache); the first window's. */
  text: string;
  /** `contentKey({ modelVersion, textPrepVersion, text })` of `@codesearch/cache`. */
  contentKey: string;
  /** Every window, when the item has two or more; `windows[0]` is `text`/`contentKey`. */
  windows?: PreparedWindowItem[];
}

/**
 * The core result plus `keys`: the result key of each input item, in input order, so that
 * callers map results back to their items without parsing keys; and `prepared`, parallel to
 * `keys`: each item's prepared text and content key (`null` when validation or preparation failed).
 */
export interface BatchEmbeddingResult extends EmbeddingBatchResult {
  keys: LocationKey[];
  prepared: Array<PreparedItem | null>;
  /**
   * For each key whose item has two or more windows: one vector per window, parallel to
   * `prepared[i].windows` (`null` for a window that failed). `embeddings[key]` is window 0's.
   */
  windowEmbeddings: Record<LocationKey, Array<number[] | null>>;
  /**
   * Whether every new embedding reached the cache's storage (the last checkpoint succeeded).
   * `false` when it could not be written (full disk, read-only): the vectors are in this
   * result, but the next run computes them again. Absent without a cache.
   */
  cacheSaved?: boolean;
}
