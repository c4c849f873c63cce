export {
  ANN_DEFER_FRACTION,
  ANN_DEFER_MIN_ROWS,
  ANN_DEFER_SMALL_FRAGMENTS,
  ANN_EF_PER_QUERY,
  ANN_INDEX_TYPE,
  ANN_MAX_UNINDEXED_FRACTION,
  ANN_NPROBES,
  ANN_REFINE_FACTOR,
  ANN_REFINE_ROWS,
  ANN_RETRAIN_FACTOR,
  ANN_ROWS_PER_PARTITION,
  type AnnAction,
  type AnnIndexStats,
  type AnnTraining,
  annEf,
  annMaintenanceDue,
  annPartitions,
  annRefineFactor,
  DEFAULT_ANN_THRESHOLD,
  planAnn,
} from './ann.js';
export {
  DEFAULT_LOCK_WAIT_MS,
  HYBRID_DEPTH_FACTOR,
  HYBRID_MIN_DEPTH,
  KEEP_VERSIONS_MS,
  openCodeIndex,
} from './code-index.js';
export { readIndexModel } from './index-model.js';
export { MARKER_FILE, TABLE_NAME } from './layout.js';
export { defaultIndexDir } from './location.js';
export { type CheckIndexLocationOptions, checkIndexLocation } from './location-check.js';
export type { StoredManifest } from './manifest-file.js';
export {
  DEFAULT_PREVIEW_LINES,
  type RecordsInput,
  type RecordsResult,
  type RecordWindow,
  recordsFromEntities,
  sourcePreview,
} from './records.js';
export { rowKey } from './rows.js';
export { DEFAULT_RRF_K, type FusedItem, HYBRID_WEIGHTS, reciprocalRankFusion } from './rrf.js';
export { INDEX_FORMAT, type IndexMetadata, OUTDATED_FORMATS } from './schema.js';
export { buildSearchText, identifierParts } from './search-text.js';
export { DEFAULT_WRITE_ROWS, type StreamSyncOptions } from './stream-sync.js';
export { planSync, type SyncCounts, type SyncPlan } from './sync-plan.js';
export type {
  Candidate,
  CandidateOptions,
  CodeIndex,
  IndexRecord,
  IndexStats,
  OpenCodeIndexOptions,
  SearchHit,
  SearchMode,
  SearchOptions,
  SearchQuery,
  SyncOptions,
  SyncReport,
} from './types.js';
export { DEFAULT_K, MAX_K } from './validate.js';
