import type {
  Candidate,
  CandidateOptions,
  CandidateSource,
  EmbeddingModelInfo,
  IndexManifest,
  Language,
  LocationKey,
} from '@codesearch/core';
import type { LockHolder } from '@codesearch/fs';
import type { AnnIndexStats } from './ann.js';
import type { StoredManifest } from './manifest-file.js';
import type { StreamSyncOptions } from './stream-sync.js';

/**
 * One row of the index: one window of a unit (an entity), the text the model saw, its content
 * digest and vector. A unit embedded whole is one row (window 0, spanning the unit); a long unit
 * embedded as overlapping windows is one row per window. A row is identified by
 * `(locationKey, window)`.
 */
export interface IndexRecord extends Omit<Candidate, 'score'> {
  /** `${filePath}:${lineNumber}` (batch's `result.keys[i]`): the unit's key, shared by its windows. */
  locationKey: LocationKey;
  /** 0-based window of the unit; 0 for a unit embedded whole. Every unit has a window 0. */
  window: number;
  /** The prepared text of this window (what the model embedded). */
  text: string;
  /**
   * What the full-text (BM25) index covers for this row, when not `text`: window 0 of a unit
   * embedded as windows holds the whole unit, so every line is found by its words even where
   * the windows leave gaps.
   */
  lexicalText?: string;
  /** The first lines of this window's code, for showing a hit. */
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
  /**
   * Location keys that were on more than one row (left by concurrent writers before the write
   * lock existed) and now are on exactly one. Counted before the comparison above.
   */
  repaired: number;
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

/**
 * One unit found by `search` (one hit per unit: the best-ranked of its windows, whose lines are
 * `windowStart`-`windowEnd`). `score` — vector: cosine similarity; lexical: BM25; hybrid: the
 * fused RRF score. Higher is better.
 */
export type SearchHit = Candidate;

/** The candidate contract lives in core: the ranking stage (`@codesearch/search`) reads it. */
export type { Candidate, CandidateOptions } from '@codesearch/core';

export interface IndexStats {
  /** Units (window-0 rows). */
  entities: number;
  /** All rows: a unit embedded as n windows has n. */
  rows: number;
  files: number;
  /** Units per language. */
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
  /**
   * The approximate vector index, when the table has one (built by a whole sync at
   * `annThreshold` rows); absent: vector search is exhaustive and exact.
   */
  ann?: AnnIndexStats;
}

export interface OpenCodeIndexOptions {
  /** The model whose vectors this index holds; another model's index is refused (`sameModel`). */
  model: EmbeddingModelInfo;
  /**
   * Create the index when it does not exist (default true). It exists on disk only after the
   * first successful `sync`; until then searches find nothing.
   */
  create?: boolean;
  /**
   * The first `sync` builds a complete new generation beside the current one (whatever its
   * model, format or state) and then makes it current; the old index answers until then.
   * Implies `create`.
   */
  rebuild?: boolean;
  /** Called once when a `sync` finds another process writing this index and starts waiting. */
  onLockWait?: (holder: LockHolder | undefined) => void;
  /** How long a `sync` waits for another writer before failing with `INDEX_LOCKED` (default 10 minutes). */
  lockWaitMs?: number;
  /**
   * The exact command that builds this index (`codesearch index ./src --index /tmp/i`), used in
   * messages; without it they say `codesearch index <path>`.
   */
  indexCommand?: string;
  /**
   * Rows at which a whole sync builds the approximate vector index (IVF_HNSW_SQ, cosine;
   * default `DEFAULT_ANN_THRESHOLD`); below it vector search is exhaustive and exact.
   * `Infinity`: never. Partial syncs never train it; see the README for when it is retrained.
   */
  annThreshold?: number;
}

export interface SyncOptions {
  /**
   * A partial sync: the rows of these files (root-relative paths) become exactly `records`,
   * and every other row is left as it is. Every record must be in one of them; a file listed
   * without records loses its rows (deleted, renamed away). Needs an existing index of the
   * current format (`INDEX_NOT_FOUND` otherwise). `manifest` is then the whole tree's.
   */
  files?: readonly string[];
  /**
   * What the records were built from (per-file record and walk options), kept with the index.
   * Without it, the previous manifest is kept; it is then no longer `consistent` if this sync
   * wrote to the table.
   */
  manifest?: IndexManifest;
  /**
   * A partial sync that also does the upkeep a whole sync would when it is due: train, retrain
   * or drop the ANN index, and optimize (see "Approximate vector index" in the README). For a
   * caller in the background (`watch`), never for a refresh before an answer: at 1M rows the
   * upkeep takes minutes, holding the write lock.
   */
  maintain?: boolean;
}

/** A code index on disk: one table of entities with vectors, searchable by vector, words or both. */
export interface CodeIndex extends CandidateSource {
  /** Absolute path of the index directory. */
  readonly directory: string;
  readonly model: EmbeddingModelInfo;
  /**
   * Makes the index hold exactly `records` (the full desired state; with `options.files`, that
   * of those files), writing only what changed, under the index's write lock (another writer
   * is waited for).
   */
  sync(records: readonly IndexRecord[], options?: SyncOptions): Promise<SyncReport>;
  /**
   * `sync` for a tree too large to hold: the records come in chunks, each with every record of
   * its files (a file is never split across chunks), and the index is written as they come, so
   * memory holds one chunk. A first build (or rebuild) appends the chunks to a new table and
   * makes it current at the end; an incremental sync compares each chunk with the keys on disk
   * (never the vectors), writes what changed, and deletes the rows no record had at the end.
   * When the chunks' iterator throws (Ctrl-C), the rows written are kept (a rebuild's are
   * dropped and the old index stays) and the call rejects with what it threw.
   */
  syncStream(chunks: AsyncIterable<readonly IndexRecord[]>, options?: StreamSyncOptions): Promise<SyncReport>;
  /** Hybrid, vector or lexical search; one hit per unit (its best window). */
  search(query: SearchQuery, options?: SearchOptions): Promise<SearchHit[]>;
  /** Rows nearest to `vector` (cosine similarity, exact), best first; `vector` from the index model. */
  vectorCandidates(vector: Float32Array, options: CandidateOptions): Promise<Candidate[]>;
  /** Rows matching the words of `text` (BM25 over the full-text index), best first. */
  lexicalCandidates(text: string, options: CandidateOptions): Promise<Candidate[]>;
  /**
   * Window-0 rows whose `name` or `qualifiedName` equals one of `names`, ignoring case; score 1,
   * ordered by file path and line.
   */
  namedCandidates(names: readonly string[], options: CandidateOptions): Promise<Candidate[]>;
  stats(): Promise<IndexStats>;
  /** The units (window-0 rows) with these location keys (`path:line`), in that order; unknown keys are left out. */
  units(ids: readonly string[]): Promise<Candidate[]>;
  /** The vectors of rows with these content digests (one per digest found): the index as a read-only embedding cache. */
  vectorsByDigest(digests: readonly string[]): Promise<Map<string, Float32Array>>;
  /**
   * The content digests of all rows (`IndexRecord.contentDigest`: the embedding cache keys of
   * the vectors the index holds), e.g. for `pruneCacheFile` of `@codesearch/cache`.
   */
  digests(): Promise<Set<string>>;
  /**
   * The manifest kept with the current generation (`undefined` when none was given, or the file
   * is unreadable); `consistent: false` when the table has changed since it was written.
   */
  manifest(): Promise<StoredManifest | undefined>;
  close(): Promise<void>;
}
