export type { CacheMetadata, CacheOpenReport, EmbeddingCache, EmbeddingCacheEntry } from './cache.js';
export type { Candidate, CandidateOptions, CandidateSource } from './candidates.js';
export type { Embedder, EmbeddingModelInfo, EmbedOptions, EmbedOutcome } from './embedder.js';
export type { CodeEntity, EntityKind, Language, LocationKey } from './entity.js';
export { CLASS_LIKE_KINDS, ENTITY_KINDS, FUNCTION_KINDS } from './entity.js';
export type { CodesearchErrorOptions, Stage } from './errors.js';
export {
  CacheError,
  CodesearchError,
  EmbeddingError,
  ModelNotFoundError,
  ParseError,
  StoreError,
  TextPrepError,
} from './errors.js';
export { identifierParts } from './identifiers.js';
export type { IndexedFile, IndexManifest } from './manifest.js';
export { sameModel } from './model-identity.js';
export type {
  EmbeddingBatchMetadata,
  EmbeddingBatchResult,
  EmbeddingBatchSummary,
} from './result.js';
export type { PreparedText, PreparedWindow, TextPreparator } from './text-prep.js';
