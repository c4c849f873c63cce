import { clearCacheFile, inspectCacheFile, pruneCacheFile } from '@codesearch/cache';
import Table from 'cli-table3';
import { openExistingIndex } from './existing-index.js';
import type { Terminal } from './terminal.js';

// The library functions refuse what is not a JSON cache file (SQLite, Redis, someone else's
// file) with a CacheError naming it; the CLI prints that as it is.

export interface CacheCommandOptions {
  cache?: string;
  yes?: boolean;
  json?: boolean;
  path?: string;
  index?: string;
  model?: string;
  modelsDir?: string;
  dryRun?: boolean;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

export async function runCacheInfo(options: CacheCommandOptions, terminal: Terminal): Promise<number> {
  const cache = await inspectCacheFile(options.cache);
  const metadata = cache.metadata;
  const info = {
    location: cache.file,
    exists: metadata !== undefined,
    entries: cache.entries,
    bytes: cache.bytes,
    model: metadata
      ? {
          modelName: metadata.modelName,
          modelVersion: metadata.modelVersion,
          dimensions: metadata.dimensions,
        }
      : null,
    created: metadata?.created ?? null,
    updated: metadata?.updated ?? null,
    replaced: metadata?.replaced ?? null,
  };
  if (options.json) {
    terminal.out(JSON.stringify(info));
    return 0;
  }
  const table = new Table({ style: { head: [], border: [], compact: true } });
  table.push(
    ['location', info.location],
    ['entries', info.exists ? info.entries : 'no cache file yet'],
    ['size on disk', formatBytes(info.bytes)],
    [
      'model',
      info.model
        ? `${info.model.modelName} (${info.model.modelVersion}, ${info.model.dimensions} dimensions)`
        : '-',
    ],
    ['updated', info.updated ?? '-'],
  );
  terminal.out(table.toString());
  return 0;
}

/** Deletes the cache file and its journal — only when it is a codesearch cache, and only with `--yes`. */
export async function runCacheClear(options: CacheCommandOptions, terminal: Terminal): Promise<number> {
  if (!options.yes) {
    // Read-only: a file that is not a cache is refused (with the reason) before --yes matters.
    const cache = await inspectCacheFile(options.cache);
    if (cache.metadata === undefined) {
      terminal.error(`no cache file at ${cache.file}: nothing to clear`);
      return 0;
    }
    terminal.error(
      `codesearch: this deletes ${cache.file} (${cache.entries} entries); pass --yes to confirm`,
    );
    return 1;
  }
  // clearCacheFile makes the same check under the lock, so the file is read once.
  const cleared = await clearCacheFile(options.cache);
  terminal.error(
    cleared.removed.length > 0
      ? `deleted ${cleared.removed.join(', ')}`
      : `no cache file at ${cleared.file}: nothing to clear`,
  );
  return 0;
}

/**
 * `cache prune`: keeps the entries whose content key is the content digest of a row of the
 * tree's index (the keys `codesearch index` looked up), and drops the rest, under the cache
 * file's lock (`pruneCacheFile` of @codesearch/cache). The model is only described (never
 * run) to open the index; the index should be up to date (`codesearch status`).
 */
export async function runCachePrune(options: CacheCommandOptions, terminal: Terminal): Promise<number> {
  const before = await inspectCacheFile(options.cache);
  const root = options.path ?? '.';
  const opened = await openExistingIndex(
    { ...options, root, rootFlag: '--path', purpose: 'prune keeps what an index uses' },
    terminal,
  );
  if ('exitCode' in opened) return opened.exitCode;
  let keep: Set<string>;
  try {
    keep = await opened.index.digests();
  } finally {
    await opened.index.close();
  }
  if (before.metadata === undefined) {
    terminal.error(`no cache file at ${before.file}: nothing to prune`);
    return 0;
  }
  const pruned = await pruneCacheFile(options.cache, keep, { dryRun: options.dryRun ?? false });
  const report = {
    location: pruned.file,
    kept: pruned.kept,
    removed: pruned.removed,
    dryRun: options.dryRun ?? false,
  };
  if (options.json) terminal.out(JSON.stringify(report));
  else
    terminal.out(
      `${options.dryRun ? 'would remove' : 'removed'} ${pruned.removed} of ${pruned.removed + pruned.kept} cache entries (${pruned.kept} used by ${root} kept) in ${pruned.file}`,
    );
  return 0;
}
