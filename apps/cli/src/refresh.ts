import path from 'node:path';
import {
  BatchEmbeddingGenerator,
  compareTree,
  embedRepository,
  hasChanges,
  manifestFromParse,
  PriorVectorsCache,
  type TreeChanges,
  walkOptionsFromJson,
} from '@codesearch/batch';
import { createEmbeddingCache } from '@codesearch/cache';
import { type CodeEntity, ParseError, StoreError } from '@codesearch/core';
import { type DirectoryParseResult, parseFile, SKIP_CODES, type WalkOptions } from '@codesearch/parser';
import type { StoredManifest } from '@codesearch/store';
import { createTextPreparator } from '@codesearch/text-prep';
import { indexRecordsOf } from './index-records.js';
import type { SearchService } from './search-service.js';

export interface RefreshOptions {
  /** Re-index at most this many changed files (added, changed, deleted, renamed); more: answer stale. */
  maxFiles?: number;
  /** Off (`--no-sync`): only compare, never write. */
  sync?: boolean;
  signal?: AbortSignal;
  /**
   * Called with a short line per step (`re-indexing 3 changed files …`), and while embedding
   * with the units done and to do (for progress bars and MCP progress notifications).
   */
  onProgress?: (message: string, progress?: { done: number; total: number }) => void;
  /**
   * Also do the index upkeep a whole `index` run would, when due (`SyncOptions.maintain`):
   * `watch`, in the background, does; a refresh before an answer does not.
   */
  maintainIndex?: boolean;
}

/** What a refresh did, file by file. */
export interface RefreshReport {
  /** Root-relative paths re-indexed because they were added, changed or renamed to. */
  indexed: string[];
  /** Root-relative paths whose units were removed (deleted, renamed from). */
  removed: string[];
  /** The files of this refresh by kind, as the tree comparison saw them (a rename is one file). */
  changes: ChangeCounts;
  /** Units whose text was embedded by the model (the others came from the index or cache). */
  embedded: number;
  /** Units now indexed from the re-indexed files. */
  units: number;
  /** Files that could not be parsed, each with the cause; the rest were still re-indexed. */
  errors: string[];
  /** Whether the whole tree was indexed (no usable index or manifest before). */
  whole: boolean;
  /** Wall time of the refresh, milliseconds. */
  ms: number;
}

/** Files by kind of change: added, changed, deleted, renamed (a rename is one file). */
export interface ChangeCounts {
  added: number;
  changed: number;
  deleted: number;
  renamed: number;
}

/**
 * Whether the answer reflects the tree: `fresh` (nothing changed), `refreshed` (changed files
 * were re-indexed first), `stale` (the index was left as it is: `reason` says why, and
 * `refreshCommand` what to run).
 */
export interface FreshnessReport {
  state: 'fresh' | 'refreshed' | 'stale';
  /** How the tree differs from the index now (after any refresh). */
  pending: ChangeCounts;
  refreshed?: RefreshReport;
  reason?: string;
  refreshCommand: string;
}

/** Changed files `search` and `mcp` re-index before answering; more are left to `index` or `watch`. */
export const MAX_REFRESH_FILES = 50;

/** Above this many files to (re-)embed, the user's embedding cache is worth loading. */
const USER_CACHE_FILES = 50;

const NOTHING_PENDING = { added: 0, changed: 0, deleted: 0, renamed: 0 };

function countChanges(changes: TreeChanges): ChangeCounts {
  return {
    added: changes.added.length,
    changed: changes.changed.length,
    deleted: changes.deleted.length,
    renamed: changes.renamed.length,
  };
}

function changedFiles(changes: TreeChanges): number {
  return changes.added.length + changes.changed.length + changes.deleted.length + changes.renamed.length;
}

/**
 * Compares the tree with the index's manifest and, when at most `maxFiles` files differ and
 * `sync` is not off, re-indexes them (only them: their units are parsed, embedded where the
 * index does not already hold the text, and their rows replaced in one partial sync). An index
 * without a usable manifest is rebuilt whole when `maxFiles` allows any number (`watch`, a
 * first MCP search); otherwise the answer is `stale` with the reason and the command to run.
 * Another process writing the index is waited for briefly (the service's `lockWaitMs`), then
 * the answer is `stale`.
 */
export async function refreshIndex(
  service: SearchService,
  options: RefreshOptions,
): Promise<FreshnessReport> {
  const maxFiles = options.maxFiles ?? Number.POSITIVE_INFINITY;
  const sync = options.sync ?? true;
  const manifest = await service.index.manifest();
  const stale = (reason: string, pending = NOTHING_PENDING): FreshnessReport => ({
    state: 'stale',
    pending,
    reason,
    refreshCommand: service.refreshCommand,
  });

  if (!manifest?.consistent) {
    const why = manifest
      ? 'the last index run did not finish'
      : (await service.index.stats()).entities > 0
        ? 'the index has no file manifest'
        : 'the tree is not indexed yet';
    if (!sync || Number.isFinite(maxFiles)) return stale(why);
    return guarded(service, () => indexWhole(service, manifest, options), stale);
  }

  const changes = await compareTree(service.root, manifest, options.signal ? { signal: options.signal } : {});
  if (!hasChanges(changes))
    return { state: 'fresh', pending: NOTHING_PENDING, refreshCommand: service.refreshCommand };
  const pending = countChanges(changes);
  if (!sync) return stale('not re-indexed (--no-sync)', pending);
  const count = changedFiles(changes);
  if (count > maxFiles) {
    return stale(`${count} files changed, more than the ${maxFiles} re-indexed before answering`, pending);
  }
  return guarded(
    service,
    () => indexChanges(service, manifest, changes, options),
    (reason) => stale(reason, pending),
  );
}

/** Runs a refresh; a lock held by another writer (or a failed write) becomes a `stale` answer. */
async function guarded(
  service: SearchService,
  refresh: () => Promise<RefreshReport>,
  stale: (reason: string) => FreshnessReport,
): Promise<FreshnessReport> {
  try {
    const refreshed = await refresh();
    return {
      state: 'refreshed',
      pending: NOTHING_PENDING,
      refreshed,
      refreshCommand: service.refreshCommand,
    };
  } catch (error) {
    if (StoreError.isInstance(error) && error.code === 'INDEX_LOCKED') {
      return stale('another codesearch process is writing the index');
    }
    throw error;
  }
}

/** Re-indexes the changed files of a tree whose index has a consistent manifest. */
async function indexChanges(
  service: SearchService,
  manifest: StoredManifest,
  changes: TreeChanges,
  options: RefreshOptions,
): Promise<RefreshReport> {
  const started = performance.now();
  const toIndex = [...changes.added, ...changes.changed, ...changes.renamed.map(({ to }) => to)].sort();
  const removed = [...changes.deleted, ...changes.renamed.map(({ from }) => from)].sort();
  options.onProgress?.(`re-indexing ${toIndex.length + removed.length} changed file(s) of ${service.root} …`);
  const walk = walkOptionsFromJson(manifest.walk);
  const parse = await parseFiles(service.root, toIndex, walk, options.signal);
  const { result, records } = await embedUnits(service, parse.entities, toIndex.length, options.signal);
  const fresh = await manifestFromParse(parse, walk);
  const touched = new Set([...toIndex, ...removed]);
  const files = [...manifest.files.filter((file) => !touched.has(file.path)), ...fresh.files].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  await service.index.sync(records, {
    files: [...touched],
    manifest: { root: manifest.root, walk: manifest.walk, files },
    ...(options.maintainIndex ? { maintain: true } : {}),
  });
  return {
    indexed: toIndex,
    removed,
    changes: countChanges(changes),
    embedded: result.summary.newlyEmbedded,
    units: parse.entities.length,
    errors: parse.errors.map((error) => error.message),
    whole: false,
    ms: Math.round(performance.now() - started),
  };
}

/** Indexes the whole tree (no index yet, or no manifest to compare with), reusing both caches. */
async function indexWhole(
  service: SearchService,
  manifest: StoredManifest | undefined,
  options: RefreshOptions,
): Promise<RefreshReport> {
  const started = performance.now();
  options.onProgress?.(`indexing ${service.root} …`);
  const walk: WalkOptions = manifest ? walkOptionsFromJson(manifest.walk) : {};
  // Passed in, so closed here: the user's cache file gets the new embeddings.
  const cache = new PriorVectorsCache(
    service.index,
    service.options.cache === false ? undefined : createEmbeddingCache(service.options.cache),
  );
  const embedding = await embedRepository(service.root, {
    embedder: service.embedder,
    cache,
    parse: walk,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress
      ? {
          onProgress: (progress) =>
            options.onProgress?.(`embedding: ${progress.done}/${progress.total} units`, {
              done: progress.done,
              total: progress.total,
            }),
        }
      : {}),
  }).finally(() => cache.close());
  const { records } = indexRecordsOf(embedding.result, embedding.entities);
  const fresh = await manifestFromParse(embedding.parse, walk);
  await service.index.sync(records, { manifest: fresh });
  return {
    indexed: fresh.files.map((file) => file.path),
    removed: [],
    changes: { added: fresh.files.length, changed: 0, deleted: 0, renamed: 0 },
    embedded: embedding.result.summary.newlyEmbedded,
    units: embedding.entities.length,
    errors: embedding.parse.errors.map((error) => error.message),
    whole: true,
    ms: Math.round(performance.now() - started),
  };
}

type FileParse = Pick<DirectoryParseResult, 'root' | 'files' | 'skipped' | 'errors' | 'sourceFiles'> & {
  entities: CodeEntity[];
};

/** Parses some files of a tree as the walk would (same size limit; refusals are `skipped`). */
async function parseFiles(
  root: string,
  relativePaths: readonly string[],
  walk: WalkOptions,
  signal: AbortSignal | undefined,
): Promise<FileParse> {
  const parse: FileParse = {
    root,
    files: [],
    skipped: [],
    errors: [],
    sourceFiles: [...relativePaths],
    entities: [],
  };
  for (const relativePath of relativePaths) {
    signal?.throwIfAborted();
    try {
      const { entities, ...file } = await parseFile(path.join(root, relativePath), {
        root,
        ...(walk.maxFileSize !== undefined ? { maxFileSize: walk.maxFileSize } : {}),
      });
      parse.files.push({ ...file, entities: entities.length });
      parse.entities.push(...entities);
    } catch (error) {
      if (!ParseError.isInstance(error)) throw error;
      if (SKIP_CODES.has(error.code))
        parse.skipped.push({ relativePath, reason: error.reason, error: false });
      else parse.errors.push(error);
    }
  }
  return parse;
}

/**
 * Embeds units with the service's model (loaded once), taking vectors the index already holds
 * first; for a large refresh the user's embedding cache is read and written too.
 */
async function embedUnits(
  service: SearchService,
  entities: readonly CodeEntity[],
  files: number,
  signal: AbortSignal | undefined,
) {
  const userCache =
    files > USER_CACHE_FILES && service.options.cache !== false
      ? createEmbeddingCache(service.options.cache)
      : undefined;
  const cache = new PriorVectorsCache(service.index, userCache);
  try {
    const generator = new BatchEmbeddingGenerator({
      embedder: service.embedder,
      textPreparator: createTextPreparator(),
      cache,
      ...(signal ? { signal } : {}),
    });
    const result = await generator.processBatch(entities);
    const { records } = indexRecordsOf(result, entities);
    return { result, records };
  } finally {
    await cache.close();
  }
}
