import type { LocationKey } from './entity.js';

export interface EmbeddingBatchSummary {
  total: number;
  success: number;
  failed: number;
  cached: number;
  newlyEmbedded: number;
}

export interface EmbeddingBatchMetadata {
  modelName: string;
  modelVersion: string;
  dimensions: number;
  /** ISO-8601 time the batch finished. */
  processedAt: string;
  textPrepVersion?: string;
  /** Where the cache lives (path or URL without credentials), when one was used. */
  cacheLocation?: string;
  /** Wall time of the batch in milliseconds. */
  durationMs?: number;
}

/** The design document's result structure. Keys are `${filePath}:${lineNumber}`. */
export interface EmbeddingBatchResult {
  summary: EmbeddingBatchSummary;
  embeddings: Record<LocationKey, number[] | null>;
  errors: Record<LocationKey, string>;
  metadata: EmbeddingBatchMetadata;
  /** Problems that did not fail an item: cache moved aside, model changed, a checkpoint not written. */
  warnings: string[];
}
