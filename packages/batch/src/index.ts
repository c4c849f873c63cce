export { BatchEmbeddingGenerator, DEFAULT_BATCH_SIZE, DEFAULT_CHECKPOINT_EVERY } from './generator.js';
export {
  type EmbedRepositoryOptions,
  embedRepository,
  type RepositoryEmbedding,
  type RepositoryParseOptions,
} from './repository.js';
export type {
  BatchEmbeddingOptions,
  BatchEmbeddingResult,
  BatchLogger,
  BatchProgress,
  PreparedItem,
} from './types.js';
export { invalidItemKey } from './validate.js';
