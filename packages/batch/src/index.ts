export {
  compareTree,
  type FileState,
  fileStates,
  hasChanges,
  manifestFromParse,
  type TreeChanges,
  walkOptionsFromJson,
  walkOptionsJson,
} from './freshness.js';
export {
  BatchEmbeddingGenerator,
  DEFAULT_BATCH_SIZE,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
} from './generator.js';
export { createHashEmbedder, HashEmbedder, hashVector } from './hash-embedder.js';
export { type PriorVectors, PriorVectorsCache } from './prior-vectors.js';
export {
  type EmbedRepositoryOptions,
  embedRepository,
  type RepositoryEmbedding,
  type RepositoryParseOptions,
} from './repository.js';
export {
  DEFAULT_CHUNK_UNITS,
  type RepositoryChunk,
  RepositoryStream,
  type RepositoryStreamOutcome,
  type StreamProgress,
  type StreamRepositoryOptions,
  streamRepository,
} from './stream.js';
export type {
  BatchEmbeddingOptions,
  BatchEmbeddingResult,
  BatchLogger,
  BatchProgress,
  PreparedItem,
  PreparedWindowItem,
} from './types.js';
export { invalidItemKey } from './validate.js';
