export {
  DEFAULT_K,
  HYBRID_DEPTH_FACTOR,
  HYBRID_MIN_DEPTH,
  KEEP_VERSIONS_MS,
  openCodeIndex,
} from './code-index.js';
export { defaultIndexDir } from './location.js';
export {
  DEFAULT_PREVIEW_LINES,
  type RecordsInput,
  type RecordsResult,
  recordsFromEntities,
  sourcePreview,
} from './records.js';
export { DEFAULT_RRF_K, type FusedItem, HYBRID_WEIGHTS, reciprocalRankFusion } from './rrf.js';
export { INDEX_FORMAT, type IndexMetadata, TABLE_NAME } from './schema.js';
export { buildSearchText, identifierParts } from './search-text.js';
export { planSync, type SyncCounts, type SyncPlan } from './sync-plan.js';
export type {
  CodeIndex,
  IndexRecord,
  IndexStats,
  OpenCodeIndexOptions,
  SearchHit,
  SearchMode,
  SearchOptions,
  SearchQuery,
  SyncReport,
} from './types.js';
