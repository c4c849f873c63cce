import type { EmbeddingModelInfo, EntityKind, Language, LocationKey } from '@codesearch/core';

/** One row of the index: an entity, the text the model saw, its content digest and vector. */
export interface IndexRecord {
  /** `${filePath}:${lineNumber}` (batch's `result.keys[i]`): unique within one index. */
  locationKey: LocationKey;
  filePath: string;
  lineNumber: number;
  endLine: number;
  kind: EntityKind;
  name: string;
  qualifiedName: string;
  language: Language;
  docstring?: string;
  signature?: string;
  /** The prepared text (what the model embedded). */
  text: string;
  /** The first lines of the code, for showing a hit. */
  sourcePreview?: string;
  /** Digest of model + text format + prepared text (`contentKey` of `@codesearch/cache`). */
  contentDigest: string;
  /** L2-normalised, `dimensions` long. */
  vector: Float32Array;
}

/** What `sync` did, counted per record (see the README for the exact rules). */
export interface SyncReport {
  /** New content at a location that held nothing, or whose old row moved away. */
  added: number;
  /** Same location, new content. */
  updated: number;
  /** Content already indexed elsewhere, now at a new location. */
  relocated: number;
  /** Rows whose location and content are gone. */
  removed: number;
  /** Same location, same content: not written. */
  unchanged: number;
  /** Table version after the sync (unchanged when nothing was written). */
  version: number;
  /** Whether the index was written to (data, full-text index or compaction). */
  written: boolean;
}

export type SearchMode = 'hybrid' | 'vector' | 'lexical';

export interface SearchQuery {
  /** Words for the full-text (BM25) side; also shown in errors. */
  text: string;
  /** The query embedded by the same model as the index; required for `vector` mode. */
  vector?: Float32Array;
}

export interface SearchOptions {
  /** Hits to return (default 10). */
  k?: number;
  /** Default `hybrid`: reciprocal rank fusion of the vector and lexical lists. */
  mode?: SearchMode;
  /** Only entities in these languages. */
  languages?: readonly Language[];
}

export interface SearchHit {
  locationKey: LocationKey;
  filePath: string;
  lineNumber: number;
  endLine: number;
  qualifiedName: string;
  name: string;
  kind: EntityKind;
  language: Language;
  /** Vector: cosine similarity. Lexical: BM25. Hybrid: the fused RRF score. Higher is better. */
  score: number;
  docstring?: string;
  signature?: string;
  sourcePreview?: string;
}

export interface IndexStats {
  entities: number;
  files: number;
  /** Entities per language. */
  languages: Record<string, number>;
  model: { modelName: string; modelVersion: string };
  dimensions: number;
  /** ISO-8601 time of the last write. */
  updatedAt: string;
  /** ISO-8601 time the index was created. */
  createdAt: string;
  directory: string;
  /** LanceDB table version. */
  version: number;
}

export interface OpenCodeIndexOptions {
  /** The model whose vectors this index holds; another model's index is refused. */
  model: EmbeddingModelInfo;
  /** Create the index when it does not exist (default true). */
  create?: boolean;
}

/** A code index on disk: one table of entities with vectors, searchable by vector, words or both. */
export interface CodeIndex {
  /** Absolute path of the index directory. */
  readonly directory: string;
  readonly model: EmbeddingModelInfo;
  /** Makes the index hold exactly `records` (the full desired state), writing only what changed. */
  sync(records: readonly IndexRecord[]): Promise<SyncReport>;
  search(query: SearchQuery, options?: SearchOptions): Promise<SearchHit[]>;
  stats(): Promise<IndexStats>;
  /**
   * The content digests of all rows (`IndexRecord.contentDigest`: the embedding cache keys of
   * the vectors the index holds), e.g. for `pruneCacheFile` of `@codesearch/cache`.
   */
  digests(): Promise<Set<string>>;
  close(): Promise<void>;
}
