import { rm, stat } from 'node:fs/promises';
import { inspectCacheFile, pruneCacheFile, resolveLocation } from '@codesearch/cache';
import { createTransformersEmbedder } from '@codesearch/embedder';
import { openCodeIndex } from '@codesearch/store';
import Table from 'cli-table3';
import { indexDirectory, indexExists, indexHint } from './index-location.js';
import type { Terminal } from './terminal.js';

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

/** The JSON file of `--cache`, or an error message for SQLite and Redis caches. */
function cacheFile(location: string | undefined): { file: string } | { unsupported: string } {
  const resolved = resolveLocation(location);
  if (resolved.kind === 'file') return { file: resolved.path };
  return {
    unsupported: `${resolved.display}: only the JSON file cache is supported by this command (use the store's own tools for ${resolved.kind})`,
  };
}

export async function runCacheInfo(options: CacheCommandOptions, terminal: Terminal): Promise<number> {
  const where = cacheFile(options.cache);
  if ('unsupported' in where) {
    terminal.error(`codesearch: ${where.unsupported}`);
    return 1;
  }
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

export async function runCacheClear(options: CacheCommandOptions, terminal: Terminal): Promise<number> {
  const where = cacheFile(options.cache);
  if ('unsupported' in where) {
    terminal.error(`codesearch: ${where.unsupported}`);
    return 1;
  }
  const exists = await stat(where.file).then(
    () => true,
    () => false,
  );
  if (!exists) {
    terminal.error(`no cache file at ${where.file}: nothing to clear`);
    return 0;
  }
  if (!options.yes) {
    terminal.error(`codesearch: this deletes ${where.file}; pass --yes to confirm`);
    return 1;
  }
  await rm(where.file, { force: true });
  terminal.error(`deleted ${where.file}`);
  return 0;
}

/**
 * `cache prune`: keeps the entries whose content key is the content digest of a row of the
 * tree's index (the keys `codesearch index` looked up), and drops the rest, under the cache
 * file's lock (`pruneCacheFile` of @codesearch/cache). The model is only described (never
 * run) to open the index; the index should be up to date (`codesearch status`).
 */
export async function runCachePrune(options: CacheCommandOptions, terminal: Terminal): Promise<number> {
  const where = cacheFile(options.cache);
  if ('unsupported' in where) {
    terminal.error(`codesearch: ${where.unsupported}`);
    return 1;
  }
  const root = options.path ?? '.';
  const directory = indexDirectory(root, options.index);
  if (!(await indexExists(directory))) {
    terminal.error(
      `codesearch: no index at ${directory}; prune keeps what an index uses, create it first with \`${indexHint(root, options.index)}\``,
    );
    return 1;
  }
  const exists = await stat(where.file).then(
    () => true,
    () => false,
  );
  if (!exists) {
    terminal.error(`no cache file at ${where.file}: nothing to prune`);
    return 0;
  }
  // describe() reads the model's files, never the runtime: the index is opened for its model.
  const info = await createTransformersEmbedder({
    ...(options.model ? { model: options.model } : {}),
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
  }).describe();
  const index = await openCodeIndex(directory, {
    model: { modelName: info.modelName, modelVersion: info.modelVersion, dimensions: info.dimensions },
    create: false,
  });
  let keep: Set<string>;
  try {
    keep = await index.digests();
  } finally {
    await index.close();
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
