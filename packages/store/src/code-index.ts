import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type EmbeddingModelInfo, type IndexManifest, StoreError, sameModel } from '@codesearch/core';
import { ensureDirectory, type LockHolder, withFileLock } from '@codesearch/fs';
import {
  ANN_ALL_PARTITIONS,
  ANN_NPROBES,
  type AnnIndexStats,
  annEf,
  annMaintenanceDue,
  annRefineFactor,
  DEFAULT_ANN_THRESHOLD,
  maintainAnnIndex,
  planAnn,
  readAnnIndex,
} from './ann.js';
import { createGeneration, type Generation, openGeneration } from './generation.js';
import { loadLance } from './lance.js';
import { inspectDirectory, newGenerationName, removeLeftovers } from './layout.js';
import { readManifest, type StoredManifest, writeManifest } from './manifest-file.js';
import { type IndexMarker, markerPath, markerStamp, readMarker, writeMarker } from './marker.js';
import { toCandidate, toRow } from './rows.js';
import { DEFAULT_RRF_K, HYBRID_WEIGHTS, reciprocalRankFusion } from './rrf.js';
import {
  HIT_COLUMNS,
  INDEX_FORMAT,
  indexSchema,
  OUTDATED_FORMATS,
  ROW_KEY_COLUMN,
  SEARCH_TEXT_COLUMN,
  VECTOR_COLUMN,
} from './schema.js';
import { sqlIn, sqlString } from './sql.js';
import {
  type Hints,
  hintsFor,
  indexCorrupt,
  indexFormat,
  indexLocked,
  indexNotFound,
  indexOutdated,
  invalidInput,
  legacyIndex,
  modelMismatch,
  notAnIndex,
  partialSyncWithoutIndex,
  storeFailed,
  writeFailed,
} from './store-errors.js';
import { appendChunks, mergeChunks, type StreamSyncOptions } from './stream-sync.js';
import { planSync } from './sync-plan.js';
import { readTableKeys, rowIdFilter } from './table-keys.js';
import type {
  Candidate,
  CandidateOptions,
  CodeIndex,
  IndexRecord,
  IndexStats,
  OpenCodeIndexOptions,
  SearchHit,
  SearchOptions,
  SearchQuery,
  SyncOptions,
  SyncReport,
} from './types.js';
import {
  checkCandidates,
  checkFiles,
  checkManifest,
  checkQueryVector,
  checkRecords,
  checkSearch,
  MAX_K,
} from './validate.js';

/** Hybrid search fetches this many candidates from each list (at least), then fuses. */
export const HYBRID_MIN_DEPTH = 50;
/** …or this many times `k`, whichever is more. */
export const HYBRID_DEPTH_FACTOR = 5;
/**
 * A vector or lexical search returns one hit per unit, but reads rows (windows): it reads this
 * many rows beyond `k` first, and more (×4 each time, at most `MAX_ROWS_READ`) when windows of
 * the same units took the places.
 */
const UNIT_DEPTH_SLACK = 20;
const MAX_ROWS_READ = 4 * MAX_K;
/**
 * Versions older than this are deleted when the table is optimized. Long enough for a search
 * that started before a sync (another process) to finish reading the version it opened.
 */
export const KEEP_VERSIONS_MS = 10 * 60 * 1000;
/**
 * How long a sync waits for another process's write lock. The lock is held only while a sync
 * writes (seconds; a minute or two for a rebuild of a very large tree), and a killed holder's
 * lock goes stale after 10 s and is taken over, so a long wait means a live writer; giving up
 * early would throw away the caller's whole embedding run.
 */
export const DEFAULT_LOCK_WAIT_MS = 10 * 60 * 1000;

/**
 * After a partial sync, `optimize()` waits until this many rows are outside the full-text
 * index (searched by brute force: cheap for a few hundred) …
 */
export const PARTIAL_UNINDEXED_ROWS = 1_000;
/** … or this many small fragments (one per partial sync) have piled up. */
export const PARTIAL_SMALL_FRAGMENTS = 16;

/** Digests per query of `vectorsByDigest`. */
const DIGEST_LOOKUP_CHUNK = 500;

/**
 * Opens the index in `directory` (see `OpenCodeIndexOptions`). Refuses a directory holding
 * other files (`NOT_AN_INDEX`), an index of the pre-marker layout unless rebuilding
 * (`INDEX_FORMAT`), one built by another model (`MODEL_MISMATCH`), a missing one when `create`
 * is false (`INDEX_NOT_FOUND`), and one whose files cannot be read (`INDEX_CORRUPT`). An
 * existing index is opened and checked now (the key column of every data file is read), so a
 * damaged table is reported here, not halfway through a sync; with `rebuild` it is not opened.
 */
export async function openCodeIndex(directory: string, options: OpenCodeIndexOptions): Promise<CodeIndex> {
  const model = checkModel(options?.model);
  const lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0) {
    throw invalidInput(`openCodeIndex: lockWaitMs must be a number of milliseconds >= 0, got ${lockWaitMs}`);
  }
  const dir = resolve(directory);
  const hints = hintsFor(options.indexCommand);
  const rebuild = options.rebuild === true;
  const state = await inspectDirectory(dir).catch((error: unknown) => {
    throw storeFailed(dir, error);
  });
  if (state.kind === 'foreign') throw notAnIndex(dir, state.entries);
  if (state.kind === 'legacy' && !rebuild) throw legacyIndex(dir, hints);
  if (state.kind === 'missing' || state.kind === 'empty') {
    if (!rebuild && options.create === false) throw indexNotFound(dir, hints);
    try {
      await ensureDirectory(dir, 'the index');
    } catch (error) {
      throw storeFailed(dir, error);
    }
  }
  const annThreshold = options.annThreshold ?? DEFAULT_ANN_THRESHOLD;
  if (typeof annThreshold !== 'number' || Number.isNaN(annThreshold) || annThreshold < 0) {
    throw invalidInput(
      `openCodeIndex: annThreshold must be a number of rows >= 0 (or Infinity), got ${annThreshold}`,
    );
  }
  const index = new LanceCodeIndex(dir, model, {
    hints,
    rebuild,
    lockWaitMs,
    onLockWait: options.onLockWait,
    annThreshold,
  });
  if (state.kind === 'marked' && !rebuild) {
    try {
      await index.open(options.create !== false);
    } catch (error) {
      await index.close();
      throw error;
    }
  }
  return index;
}

function checkModel(model: EmbeddingModelInfo | undefined): EmbeddingModelInfo {
  if (
    typeof model?.modelName !== 'string' ||
    typeof model.modelVersion !== 'string' ||
    !Number.isInteger(model.dimensions) ||
    model.dimensions <= 0
  ) {
    throw invalidInput('openCodeIndex needs options.model with modelName, modelVersion and dimensions > 0');
  }
  return model;
}

interface HandleOptions {
  hints: Hints;
  rebuild: boolean;
  lockWaitMs: number;
  onLockWait: ((holder: LockHolder | undefined) => void) | undefined;
  annThreshold: number;
}

class LanceCodeIndex implements CodeIndex {
  readonly directory: string;
  readonly model: EmbeddingModelInfo;
  readonly #hints: Hints;
  readonly #lockWaitMs: number;
  readonly #onLockWait: ((holder: LockHolder | undefined) => void) | undefined;
  readonly #annThreshold: number;
  readonly #openedAt = new Date().toISOString();
  #closed = false;
  /** The next sync builds a new generation instead of syncing into the current one. */
  #rebuildPending: boolean;
  /** The generation the marker named when it last had stamp `#stamp`. */
  #generation: Generation | undefined;
  #stamp: string | undefined;
  /** Whether this handle ever saw a marker: if it disappears, the index was deleted. */
  #sawIndex = false;
  /** Marker checks of this handle run one after another (one generation opened per change). */
  #refreshing: Promise<unknown> = Promise.resolve();
  /** Syncs of this handle run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(directory: string, model: EmbeddingModelInfo, options: HandleOptions) {
    this.directory = directory;
    this.model = model;
    this.#hints = options.hints;
    this.#rebuildPending = options.rebuild;
    this.#lockWaitMs = options.lockWaitMs;
    this.#onLockWait = options.onLockWait;
    this.#annThreshold = options.annThreshold;
  }

  /**
   * Opens and checks the current generation now (errors at open, not at the first search). An
   * index of an outdated format opened for writing is not an error: the first sync rebuilds it.
   */
  async open(create: boolean): Promise<void> {
    try {
      const generation = await this.#current(true);
      if (!generation && !create) throw indexNotFound(this.directory, this.#hints);
    } catch (error) {
      if (create && StoreError.isInstance(error) && error.code === 'INDEX_OUTDATED') {
        this.#rebuildPending = true;
        return;
      }
      throw error;
    }
  }

  // ── generations ────────────────────────────────────────────────────────────────────────

  /**
   * The generation the marker names now, opened and checked (`undefined` when there is no
   * index yet). Cheap when nothing changed: one `stat` of the marker. Never takes the lock.
   */
  #current(force = false): Promise<Generation | undefined> {
    const run = this.#refreshing.then(() => this.#refresh(force));
    this.#refreshing = run.catch(() => undefined);
    return run;
  }

  async #refresh(force: boolean): Promise<Generation | undefined> {
    const dir = this.directory;
    let stamp: string | undefined;
    try {
      stamp = await markerStamp(dir);
    } catch (error) {
      throw storeFailed(dir, error);
    }
    if (!force && stamp === this.#stamp && (stamp === undefined) === (this.#generation === undefined)) {
      return this.#generation;
    }
    const read = await readMarker(dir).catch((error: unknown) => {
      throw storeFailed(dir, error);
    });
    if (!read) {
      this.#generation?.retire();
      this.#generation = undefined;
      this.#stamp = undefined;
      if (this.#sawIndex) throw indexNotFound(dir, this.#hints);
      return undefined;
    }
    if (read.problem !== undefined) {
      if (read.otherFormat && OUTDATED_FORMATS.has(read.otherFormat)) {
        throw indexOutdated(dir, read.otherFormat, INDEX_FORMAT, this.#hints);
      }
      throw read.otherFormat
        ? indexFormat(dir, `has format ${read.otherFormat}, this version reads ${INDEX_FORMAT}`, this.#hints)
        : indexCorrupt(dir, read.problem, this.#hints);
    }
    const { marker } = read;
    if (this.#generation?.name !== marker.generation) {
      if (!sameModel(marker, this.model)) throw modelMismatch(dir, marker, this.model, this.#hints);
      const next = await openGeneration(dir, marker.generation, this.model, this.#hints);
      this.#generation?.retire();
      this.#generation = next;
    } else {
      // The same generation, but the marker moved: another process's sync may have retrained.
      this.#generation.forgetAnnIndex();
    }
    this.#stamp = read.stamp;
    this.#sawIndex = true;
    return this.#generation;
  }

  /**
   * Runs a read on the current generation. A read that fails because its generation was
   * replaced and removed meanwhile (a rebuild in another process) is retried once on the
   * generation the marker names now.
   */
  async #read<T>(operation: (generation: Generation) => Promise<T>, empty: () => T): Promise<T> {
    this.#checkOpen();
    const generation = await this.#current();
    if (!generation) return empty();
    try {
      return await generation.use(operation);
    } catch (error) {
      if (StoreError.isInstance(error)) throw error;
      const next = await this.#current(true).catch(() => undefined);
      if (next && next !== generation) {
        try {
          return await next.use(operation);
        } catch (retryError) {
          if (StoreError.isInstance(retryError)) throw retryError;
          throw indexCorrupt(this.directory, retryError, this.#hints);
        }
      }
      throw indexCorrupt(this.directory, error, this.#hints);
    }
  }

  // ── sync ───────────────────────────────────────────────────────────────────────────────

  sync(records: readonly IndexRecord[], options?: SyncOptions): Promise<SyncReport> {
    const run = this.#queue.then(() => this.#sync(records, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A sync whose records come in chunks (see `CodeIndex.syncStream`): the first build appends
   * each chunk as it comes; an incremental sync writes what changed chunk by chunk and deletes
   * the rows no record had at the end.
   */
  syncStream(
    chunks: AsyncIterable<readonly IndexRecord[]>,
    options: StreamSyncOptions = {},
  ): Promise<SyncReport> {
    const run = this.#queue
      .then(() => this.#sync({ chunks, options }, undefined))
      .catch((error: unknown) => {
        throw error instanceof StreamStopped ? error.reason : error;
      });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #sync(
    input: readonly IndexRecord[] | StreamInput,
    options: SyncOptions | undefined,
  ): Promise<SyncReport> {
    const streamed = isStreamInput(input) ? input : undefined;
    const records = streamed ? [] : (input as readonly IndexRecord[]);
    this.#checkOpen();
    checkRecords(records, this.model);
    const manifest = checkManifest(options);
    const files = checkFiles(records, options);
    const dir = this.directory;
    try {
      await ensureDirectory(dir, 'the index');
    } catch (error) {
      throw writeFailed(dir, 'create', error);
    }
    return this.#locked(async (lockLost) => {
      // Under the lock: another process may have created or rebuilt the index meanwhile.
      const read = await readMarker(dir).catch((error: unknown) => {
        throw storeFailed(dir, error);
      });
      // An index of an outdated format is data we derived: rebuilt aside and swapped, like --rebuild.
      const outdated = read?.problem !== undefined && OUTDATED_FORMATS.has(read.otherFormat ?? '');
      if (this.#rebuildPending || read === undefined || outdated) {
        if (files) throw partialSyncWithoutIndex(dir, this.#hints);
        const report = await this.#build(
          streamed ?? records,
          manifest,
          read?.marker,
          read !== undefined,
          lockLost,
        );
        this.#rebuildPending = false;
        return report;
      }
      const generation = await this.#current(true);
      if (!generation || !read.marker) throw indexNotFound(dir, this.#hints); // a marker problem threw already
      await removeLeftovers(dir, generation.name, { legacyTable: true });
      return generation.use((current) =>
        streamed
          ? this.#streamInto(current, read.marker, streamed)
          : this.#syncInto(current, read.marker, records, manifest, files, options?.maintain === true),
      );
    });
  }

  /**
   * Builds a complete generation (table, full-text index, manifest) beside the current one,
   * then swaps the marker to name it (one atomic rename), then removes the old one. Until the
   * swap the old index answers every search; a failure or a kill before it leaves the old
   * index (or no index) as it was.
   */
  async #build(
    source: readonly IndexRecord[] | StreamInput,
    manifest: IndexManifest | undefined,
    current: IndexMarker | undefined,
    marked: boolean,
    lockLost: () => boolean,
  ): Promise<SyncReport> {
    const dir = this.directory;
    const state = await inspectDirectory(dir).catch((error: unknown) => {
      throw storeFailed(dir, error);
    });
    if (state.kind === 'foreign') throw notAnIndex(dir, state.entries);
    if (state.kind === 'legacy' && !this.#rebuildPending) throw legacyIndex(dir, this.#hints);
    // Generations of killed builds take space the new one may need. With an unreadable marker,
    // nothing is removed before the swap: which generation it named is unknown.
    if (current || !marked) await removeLeftovers(dir, current?.generation, { legacyTable: false });

    const name = newGenerationName();
    let generation: Generation | undefined;
    let version: number;
    let added = 0;
    let interrupted: { error: unknown } | undefined;
    try {
      generation = await createGeneration(dir, name, this.model);
      const table = generation.table;
      const made = generation;
      const add = async (records: readonly IndexRecord[]) => {
        if (records.length > 0) await table.add(this.#arrowTable(records, made));
      };
      if (isStreamInput(source)) {
        ({ rows: added, interrupted } = await appendChunks(
          source.chunks,
          add,
          (chunk) => checkRecords(chunk, this.model),
          source.options.writeRows,
        ));
        // A stopped rebuild leaves the index it was replacing as it was; a stopped first
        // build becomes the index, with what it wrote (the next run adds the rest).
        if (interrupted && marked) throw new StreamStopped(interrupted.error);
        if (!interrupted) manifest = await source.options.manifest?.();
        // Each write made a fragment (~120 at 1M rows). Merged now, before any index exists,
        // it is one rewrite; left for a later sync's optimize(), every index would be remapped
        // too (over 15 minutes at 1M rows), and searches would open every fragment meanwhile.
        if (added > 0) await table.optimize();
      } else {
        await add(source);
        added = source.length;
      }
      if (added > 0) {
        await table.createIndex(SEARCH_TEXT_COLUMN, { config: loadLance().lancedb.Index.fts(FTS_OPTIONS) });
        generation.ftsReady = true;
        await maintainAnnIndex(table, generation.path, this.#annThreshold);
        // The files of the versions before (the unmerged fragments: as large as the table) go
        // now. No one else can see this generation yet, so none of them is being read.
        if (isStreamInput(source)) {
          await table.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true });
        }
      }
      version = await generation.table.version();
      if (manifest) await writeManifest(generation.path, manifest, version);
      if (lockLost()) {
        throw new Error(
          'the write lock was lost (held too long without refresh); the new index was not made current',
        );
      }
      const now = new Date().toISOString();
      await writeMarker(dir, {
        format: INDEX_FORMAT,
        generation: name,
        modelName: this.model.modelName,
        modelVersion: this.model.modelVersion,
        dimensions: this.model.dimensions,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      generation?.retire();
      await rm(join(dir, name), { recursive: true, force: true }).catch(() => {});
      if (error instanceof StreamStopped) throw error;
      throw writeFailed(dir, 'write', error);
    }
    // The swap is done: this handle reads the new generation; the old one goes.
    this.#generation?.retire();
    this.#generation = generation;
    this.#stamp = await markerStamp(dir).catch(() => undefined);
    this.#sawIndex = true;
    // With a lost lock another writer may be building a generation now: leave it to the next.
    if (!lockLost()) await removeLeftovers(dir, name, { legacyTable: true });
    if (interrupted) throw new StreamStopped(interrupted.error);
    return {
      added,
      updated: 0,
      relocated: 0,
      removed: 0,
      unchanged: 0,
      repaired: 0,
      version,
      written: true,
    };
  }

  /** An incremental sync into the current generation: only what changed is written. */
  async #syncInto(
    generation: Generation,
    marker: IndexMarker,
    records: readonly IndexRecord[],
    manifest: IndexManifest | undefined,
    files: readonly string[] | undefined,
    maintain: boolean,
  ): Promise<SyncReport> {
    const table = generation.table;
    // A partial sync compares (and may delete) only the rows of its files.
    const scope = files ? (files.length > 0 ? sqlIn('filePath', files) : 'false') : undefined;
    const rows = await this.#guard(() => readTableKeys(table, scope));
    let written = false;
    if (rows.extraRowIds.length > 0) {
      // Keys stored twice (concurrent writers before the lock): keep one row of each.
      await this.#write('repair', () => table.delete(rowIdFilter(rows.extraRowIds)));
      written = true;
    }
    const existing = rows.keys;
    const plan = planSync(existing, records);

    if (plan.upserts.length > 0) {
      const data = this.#arrowTable(plan.upserts, generation);
      if (existing.size === 0) {
        // An empty table: a plain append (about twice as fast as a merge at 10k rows).
        await this.#write('write', () => table.add(data));
      } else {
        // One commit: replace/insert by row key, and delete the keys no record has.
        let merge = table.mergeInsert(ROW_KEY_COLUMN).whenMatchedUpdateAll().whenNotMatchedInsertAll();
        if (plan.deletes.length > 0)
          merge = merge.whenNotMatchedBySourceDelete({ where: sqlIn(ROW_KEY_COLUMN, plan.deletes) });
        await this.#write('write', () => merge.execute(data));
      }
      written = true;
    } else if (plan.deletes.length > 0) {
      await this.#write('delete rows of', () => table.delete(sqlIn(ROW_KEY_COLUMN, plan.deletes)));
      written = true;
    }

    const partial = files !== undefined && !maintain;
    written = (await this.#maintain(generation, written, partial)) || written;
    const version = await this.#guard(() => table.version());
    if (manifest) {
      await writeManifest(generation.path, manifest, version).catch((error: unknown) => {
        throw writeFailed(this.directory, 'write the manifest of', error);
      });
    }
    if (written) {
      // Informational only (the table's versions carry the real times): a failure here is not
      // worth failing a sync whose data is committed.
      await writeMarker(this.directory, { ...marker, updatedAt: new Date().toISOString() }).catch(() => {});
    }
    return { ...plan.counts, repaired: rows.duplicatedKeys, version, written };
  }

  /** `#syncInto` for chunks: the rows on disk are read once (keys and digests only, no vectors). */
  async #streamInto(
    generation: Generation,
    marker: IndexMarker,
    { chunks, options }: StreamInput,
  ): Promise<SyncReport> {
    const table = generation.table;
    const rows = await this.#guard(() => readTableKeys(table));
    let written = false;
    if (rows.extraRowIds.length > 0) {
      await this.#write('repair', () => table.delete(rowIdFilter(rows.extraRowIds)));
      written = true;
    }
    const existing = rows.keys;
    const merged = await mergeChunks(
      existing,
      chunks,
      async (records) => {
        const data = this.#arrowTable(records, generation);
        await this.#write('write', () =>
          existing.size === 0
            ? table.add(data)
            : table
                .mergeInsert(ROW_KEY_COLUMN)
                .whenMatchedUpdateAll()
                .whenNotMatchedInsertAll()
                .execute(data),
        );
        written = true;
      },
      (chunk) => checkRecords(chunk, this.model),
      options.writeRows,
    );
    for (let start = 0; start < merged.deletes.length; start += DELETE_CHUNK) {
      const keys = merged.deletes.slice(start, start + DELETE_CHUNK);
      await this.#write('delete rows of', () => table.delete(sqlIn(ROW_KEY_COLUMN, keys)));
      written = true;
    }
    written = (await this.#maintain(generation, written)) || written;
    const version = await this.#guard(() => table.version());
    // A stopped run's table is ahead of its manifest: not `consistent`, so the next search or
    // index run re-indexes the tree.
    const manifest = merged.interrupted ? undefined : await options.manifest?.();
    if (manifest) {
      await writeManifest(generation.path, manifest, version).catch((error: unknown) => {
        throw writeFailed(this.directory, 'write the manifest of', error);
      });
    }
    if (written) {
      await writeMarker(this.directory, { ...marker, updatedAt: new Date().toISOString() }).catch(() => {});
    }
    if (merged.interrupted) throw new StreamStopped(merged.interrupted.error);
    return { ...merged.counts, repaired: rows.duplicatedKeys, version, written };
  }

  #arrowTable(records: readonly IndexRecord[], generation: Generation) {
    const { lancedb, arrow } = loadLance();
    return lancedb.makeArrowTable(records.map(toRow), { schema: indexSchema(arrow, generation.metadata) });
  }

  /**
   * Keeps the full-text index whole: created on the first sync with rows; after a sync that
   * wrote, `optimize()` indexes the new rows (LanceDB searches unindexed rows by brute force,
   * ~50× slower at 5k rows), compacts small fragments and deletes versions older than
   * `KEEP_VERSIONS_MS`. Also repairs a sync interrupted between its write and this step.
   */
  async #maintain(generation: Generation, written: boolean, partial = false): Promise<boolean> {
    try {
      return await this.#maintainIndexes(generation, written, partial);
    } finally {
      generation.forgetAnnIndex();
    }
  }

  async #maintainIndexes(generation: Generation, written: boolean, partial: boolean): Promise<boolean> {
    const table = generation.table;
    const ann = await this.#guard(() => readAnnIndex(table, generation.path));
    if (ann) return this.#maintainWithAnn(generation, ann, partial);
    const text = await this.#maintainText(generation, written, partial);
    // The ANN index is trained by whole syncs only: a partial sync (a refresh before an answer)
    // must stay fast, and its rows are found by the exhaustive part of the vector search.
    if (partial) return text;
    const action = await this.#write('index the vectors of', () =>
      maintainAnnIndex(table, generation.path, this.#annThreshold),
    );
    return text || action !== 'none';
  }

  /**
   * A table with an ANN index: rows written since training stay outside both indexes (searched
   * exhaustively) until `annMaintenanceDue`; then a whole sync retrains the index over every row
   * first, so that `optimize()` has nothing to fold into the HNSW graphs (see
   * `ANN_DEFER_FRACTION`), and optimizes the rest. A partial sync never does either.
   */
  async #maintainWithAnn(generation: Generation, ann: AnnIndexStats, partial: boolean): Promise<boolean> {
    if (partial) return false;
    const table = generation.table;
    const [rows, { fragmentStats }] = await this.#guard(() =>
      Promise.all([table.countRows(), table.stats()]),
    );
    const plan = planAnn({ rows, threshold: this.#annThreshold, index: ann });
    const due = annMaintenanceDue({
      rows,
      unindexedRows: ann.unindexedRows,
      smallFragments: fragmentStats.numSmallFragments,
    });
    if (plan === 'none' && !due) return false;
    const action = await this.#write('index the vectors of', () =>
      maintainAnnIndex(table, generation.path, this.#annThreshold, { retrain: true }),
    );
    await this.#write('optimize', () =>
      table.optimize({ cleanupOlderThan: new Date(Date.now() - KEEP_VERSIONS_MS) }),
    );
    return action !== 'none' || due;
  }

  async #maintainText(generation: Generation, written: boolean, partial: boolean): Promise<boolean> {
    const table = generation.table;
    const indices = await this.#guard(() => table.listIndices());
    const fts = indices.find((index) => index.columns.includes(SEARCH_TEXT_COLUMN));
    generation.ftsReady = fts !== undefined;
    if (!fts) {
      const rows = await this.#guard(() => table.countRows());
      if (rows === 0) return false;
      await this.#write('index', () =>
        table.createIndex(SEARCH_TEXT_COLUMN, { config: loadLance().lancedb.Index.fts(FTS_OPTIONS) }),
      );
      generation.ftsReady = true;
      return true;
    }
    const stale = (fts as { numUnindexedRows?: number }).numUnindexedRows ?? 0;
    if (!written && stale === 0) return false;
    // A partial sync (a refresh of a few files, before an answer) leaves its few rows to the
    // brute-force part of the full-text search and its small fragment uncompacted: optimize()
    // rewrites the table (~1 s at 15k rows). It runs once either has grown.
    if (partial && stale < PARTIAL_UNINDEXED_ROWS) {
      const { fragmentStats } = await this.#guard(() => table.stats());
      if (fragmentStats.numSmallFragments < PARTIAL_SMALL_FRAGMENTS) return false;
    }
    await this.#write('optimize', () =>
      table.optimize({ cleanupOlderThan: new Date(Date.now() - KEEP_VERSIONS_MS) }),
    );
    return true;
  }

  /** Runs `task` holding the index's write lock (`<dir>/codesearch-index.json.lock`). */
  async #locked<T>(task: (lockLost: () => boolean) => Promise<T>): Promise<T> {
    let lost = false;
    const onLockWait = this.#onLockWait;
    try {
      return await withFileLock(
        markerPath(this.directory),
        {
          waitMs: this.#lockWaitMs,
          onWait: (holder) => {
            try {
              onLockWait?.(holder);
            } catch {
              // A caller's progress callback must not break the sync.
            }
          },
          onCompromised: () => {
            lost = true;
          },
        },
        () => task(() => lost),
      );
    } catch (error) {
      if (StoreError.isInstance(error) || error instanceof StreamStopped) throw error;
      const locked = error as { code?: string; holder?: LockHolder };
      if (locked?.code === 'ELOCKED') throw indexLocked(this.directory, locked.holder, this.#lockWaitMs);
      throw writeFailed(this.directory, 'lock', error);
    }
  }

  // ── reads ──────────────────────────────────────────────────────────────────────────────

  async search(query: SearchQuery, options: SearchOptions = {}): Promise<SearchHit[]> {
    this.#checkOpen();
    const { text, k, mode, vector, filter } = checkSearch(query, options, this.model);
    if (mode !== 'hybrid') {
      // One hit per unit: rows are windows, so read deeper until k units or the end of the list.
      const list = (limit: number) =>
        this.#read(
          (generation) =>
            mode === 'vector'
              ? vectorSearch(generation, vector!, limit, filter)
              : lexicalSearch(generation, text, limit, filter),
          () => [],
        );
      const score = (row: Record<string, unknown>) =>
        mode === 'vector' ? 1 - Number(row._distance) : Number(row._score);
      let limit = k + UNIT_DEPTH_SLACK;
      for (;;) {
        const rows = await list(limit);
        const units = bestWindows(rows);
        if (units.length >= k || rows.length < limit || limit >= MAX_ROWS_READ) {
          return units.slice(0, k).map((row) => toCandidate(row, score(row)));
        }
        limit = Math.min(limit * 4, MAX_ROWS_READ);
      }
    }

    const depth = Math.max(HYBRID_MIN_DEPTH, HYBRID_DEPTH_FACTOR * k);
    const [vectorRows, lexicalRows] = await this.#read(
      (generation) =>
        Promise.all([
          vector ? vectorSearch(generation, vector, depth, filter) : undefined,
          lexicalSearch(generation, text, depth, filter),
        ]),
      () => [vector ? [] : undefined, []],
    );
    const weighted = [
      { rows: vectorRows, weight: HYBRID_WEIGHTS[0] },
      { rows: lexicalRows, weight: HYBRID_WEIGHTS[1] },
    ]
      .filter(
        (list): list is { rows: Array<Record<string, unknown>>; weight: 2 | 1 } => list.rows !== undefined,
      )
      .map(({ rows, weight }) => ({ rows: bestWindows(rows), weight }));
    const fused = reciprocalRankFusion(
      weighted.map(({ rows }) => rows.map((row) => row.locationKey as string)),
      { k: DEFAULT_RRF_K, weights: weighted.map(({ weight }) => weight) },
    );
    return fused.slice(0, k).map((item) => {
      // The unit's window is the one of the list where it contributed most to the fused score.
      let best: Record<string, unknown> | undefined;
      let bestShare = -1;
      item.ranks.forEach((rank, list) => {
        if (rank === undefined) return;
        const share = weighted[list]!.weight / (DEFAULT_RRF_K + rank);
        if (share > bestShare) {
          bestShare = share;
          best = weighted[list]!.rows[rank - 1];
        }
      });
      return toCandidate(best!, item.score);
    });
  }

  async vectorCandidates(vector: Float32Array, options: CandidateOptions): Promise<Candidate[]> {
    this.#checkOpen();
    const query = checkQueryVector('vectorCandidates', vector, this.model);
    const { depth, filter } = checkCandidates('vectorCandidates', options);
    const rows = await this.#read(
      (generation) => vectorSearch(generation, query, depth, filter),
      () => [],
    );
    return rows.map((row) => toCandidate(row, 1 - Number(row._distance)));
  }

  async lexicalCandidates(text: string, options: CandidateOptions): Promise<Candidate[]> {
    this.#checkOpen();
    if (typeof text !== 'string') throw invalidInput('lexicalCandidates needs text (a string)');
    const { depth, filter } = checkCandidates('lexicalCandidates', options);
    const rows = await this.#read(
      (generation) => lexicalSearch(generation, text, depth, filter),
      () => [],
    );
    return rows.map((row) => toCandidate(row, Number(row._score)));
  }

  async namedCandidates(names: readonly string[], options: CandidateOptions): Promise<Candidate[]> {
    this.#checkOpen();
    if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
      throw invalidInput('namedCandidates needs an array of names (strings)');
    }
    const { depth, filter } = checkCandidates('namedCandidates', options);
    const wanted = [...new Set(names.map((name) => name.toLowerCase()))];
    if (wanted.length === 0) return [];
    const list = wanted.map(sqlString).join(', ');
    const where = [`window = 0`, `(lower(name) IN (${list}) OR lower(qualifiedName) IN (${list}))`, filter]
      .filter((part) => part !== undefined)
      .join(' AND ');
    const rows = await this.#read(
      async (generation) =>
        (await generation.table
          .query()
          .where(where)
          .select([...HIT_COLUMNS])
          .toArray()) as Record<string, unknown>[],
      () => [],
    );
    // A scan's order is the storage order: sort, so the same index gives the same list.
    rows.sort(
      (a, b) =>
        compareText(a.filePath as string, b.filePath as string) ||
        Number(a.lineNumber) - Number(b.lineNumber) ||
        compareText(a.locationKey as string, b.locationKey as string),
    );
    return rows.slice(0, depth).map((row) => toCandidate(row, 1));
  }

  async units(ids: readonly string[]): Promise<Candidate[]> {
    this.#checkOpen();
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
      throw invalidInput('units needs an array of unit ids (strings: `path:line`)');
    }
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return [];
    const rows = await this.#read(
      async (generation) =>
        (await generation.table
          .query()
          .where(`window = 0 AND ${sqlIn('locationKey', wanted)}`)
          .select([...HIT_COLUMNS])
          .toArray()) as Record<string, unknown>[],
      () => [],
    );
    const byKey = new Map(rows.map((row) => [row.locationKey as string, toCandidate(row, 1)]));
    return ids.flatMap((id) => byKey.get(id) ?? []);
  }

  async vectorsByDigest(digests: readonly string[]): Promise<Map<string, Float32Array>> {
    this.#checkOpen();
    const found = new Map<string, Float32Array>();
    const wanted = [...new Set(digests)];
    // IN lists of a few hundred keep each filter cheap to parse.
    for (let start = 0; start < wanted.length; start += DIGEST_LOOKUP_CHUNK) {
      const chunk = wanted.slice(start, start + DIGEST_LOOKUP_CHUNK);
      const rows = await this.#read(
        async (generation) =>
          (await generation.table
            .query()
            .where(sqlIn('contentDigest', chunk))
            .select(['contentDigest', 'vector'])
            .toArray()) as Record<string, unknown>[],
        () => [],
      );
      for (const row of rows) {
        const digest = row.contentDigest as string;
        if (!found.has(digest)) found.set(digest, Float32Array.from(row.vector as ArrayLike<number>));
      }
    }
    return found;
  }

  async digests(): Promise<Set<string>> {
    return this.#read(
      async (generation) => new Set((await readTableKeys(generation.table)).keys.values()),
      () => new Set<string>(),
    );
  }

  async stats(): Promise<IndexStats> {
    return this.#read(
      async (generation) => {
        const table = generation.table;
        const rows = await table.query().select(['filePath', 'language', 'window']).toArray();
        const files = new Set<string>();
        const languages: Record<string, number> = {};
        let units = 0;
        for (const row of rows) {
          files.add(row.filePath as string);
          if (Number(row.window) !== 0) continue;
          units += 1;
          const language = row.language as string;
          languages[language] = (languages[language] ?? 0) + 1;
        }
        const versions = await table.listVersions();
        const latest = versions.reduce((a, b) => (b.version > a.version ? b : a));
        const metadata = generation.metadata;
        const ann = await readAnnIndex(table, generation.path);
        return {
          ...(ann ? { ann } : {}),
          entities: units,
          rows: rows.length,
          files: files.size,
          languages,
          model: { modelName: metadata.modelName, modelVersion: metadata.modelVersion },
          dimensions: metadata.dimensions,
          updatedAt: latest.timestamp.toISOString(),
          createdAt: metadata.createdAt,
          directory: this.directory,
          version: latest.version,
        };
      },
      // Nothing synced yet: the index does not exist on disk.
      () => ({
        entities: 0,
        rows: 0,
        files: 0,
        languages: {},
        model: { modelName: this.model.modelName, modelVersion: this.model.modelVersion },
        dimensions: this.model.dimensions,
        updatedAt: this.#openedAt,
        createdAt: this.#openedAt,
        directory: this.directory,
        version: 0,
      }),
    );
  }

  async manifest(): Promise<StoredManifest | undefined> {
    return this.#read(
      async (generation) => {
        const stored = await readManifest(generation.path);
        if (!stored) return undefined;
        const version = await generation.table.version();
        return { ...stored, consistent: stored.tableVersion === version };
      },
      () => undefined,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#refreshing;
    this.#generation?.retire();
    this.#generation = undefined;
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new StoreError(`index at ${this.directory} is closed`, {
        code: 'INDEX_CLOSED',
        directory: this.directory,
      });
    }
  }

  /** A read inside a sync that fails on an open table means damaged or vanished files. */
  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw indexCorrupt(this.directory, error, this.#hints);
    }
  }

  async #write<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw writeFailed(this.directory, what, error);
    }
  }
}

/** Row keys per delete of a streamed sync (the filter is parsed whole). */
const DELETE_CHUNK = 2_000;

/** The records of `syncStream`: chunks, and what to do after the last. */
interface StreamInput {
  chunks: AsyncIterable<readonly IndexRecord[]>;
  options: StreamSyncOptions;
}

function isStreamInput(input: unknown): input is StreamInput {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'chunks' in input;
}

/** The chunks of a streamed sync stopped (Ctrl-C): carried out of the lock, then `reason` is rethrown. */
class StreamStopped extends Error {
  constructor(readonly reason: unknown) {
    super('stream stopped');
  }
}

/** Rows of one list, best first, keeping each unit's first (best) window only. */
function bestWindows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = row.locationKey as string;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Code-point order (not locale order): the same everywhere. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function vectorSearch(
  generation: Generation,
  vector: Float32Array,
  limit: number,
  filter: string | undefined,
) {
  let query = generation.table
    .query()
    .nearestTo(vector)
    .column(VECTOR_COLUMN)
    .distanceType('cosine')
    // Used only when the table has an ANN index (otherwise the search is exhaustive and exact):
    // ANN_NPROBES partitions; with a filter, more (up to all) when it leaves fewer than `limit`
    // rows in them. Re-ranked by the full vectors (×5 to ×1), so `_distance` is exact.
    .minimumNprobes(ANN_NPROBES)
    // Without a filter the first ANN_NPROBES partitions always hold `limit` rows; allowing more
    // still costs (~13 ms of ~30 at 1M rows in `pnpm bench ann`), so it is asked for only with one.
    .maximumNprobes(filter ? ANN_ALL_PARTITIONS : ANN_NPROBES)
    .ef(annEf(limit, await generation.annPartitions()))
    .refineFactor(annRefineFactor(limit))
    .select([...HIT_COLUMNS, '_distance'])
    .limit(limit);
  if (filter) query = query.where(filter);
  return (await query.toArray()) as Record<string, unknown>[];
}

async function lexicalSearch(
  generation: Generation,
  text: string,
  limit: number,
  filter: string | undefined,
) {
  if (text.trim() === '') return [];
  if (!generation.ftsReady) {
    // No full-text index yet: nothing was ever synced into this generation with rows.
    const indices = await generation.table.listIndices();
    generation.ftsReady = indices.some((index) => index.columns.includes(SEARCH_TEXT_COLUMN));
    if (!generation.ftsReady) return [];
  }
  let query = generation.table
    .query()
    .fullTextSearch(new (loadLance().lancedb.MatchQuery)(text, SEARCH_TEXT_COLUMN))
    .select([...HIT_COLUMNS, '_score'])
    .limit(limit);
  if (filter) query = query.where(filter);
  return (await query.toArray()) as Record<string, unknown>[];
}

/** Tokenizer of the full-text index: words split on punctuation, lower-cased, English stems, no stop words. */
const FTS_OPTIONS = {
  baseTokenizer: 'simple',
  language: 'English',
  lowercase: true,
  stem: true,
  removeStopWords: true,
  asciiFolding: true,
  withPosition: false,
} as const;
