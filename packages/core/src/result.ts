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
}

/** The design document's result structure. Keys are `${filePath}:${lineNumber}`. */
export interface EmbeddingBatchResult {
  summary: EmbeddingBatchSummary;
  embeddings: Record<LocationKey, number[] | null>;
  errors: Record<LocationKey, string>;
  metadata: EmbeddingBatchMetadata;
}
