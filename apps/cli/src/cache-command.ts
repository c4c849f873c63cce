import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { contentKey, resolveLocation } from '@codesearch/cache';
import { createTransformersEmbedder } from '@codesearch/embedder';
import { parseDirectory } from '@codesearch/parser';
import { createTextPreparator } from '@codesearch/text-prep';
import Table from 'cli-table3';
import { indexDirectory, indexExists, indexHint } from './index-location.js';
import { type WalkCommandOptions, walkOptions } from './options.js';
import type { Terminal } from './terminal.js';

export interface CacheCommandOptions extends WalkCommandOptions {
  cache?: string;
  yes?: boolean;
  json?: boolean;
  path?: string;
  index?: string;
  model?: string;
  modelsDir?: string;
  dryRun?: boolean;
}

/** The JSON cache file as `@codesearch/cache` documents it (README, "File format"). */
export interface CacheFileData {
  metadata: {
    modelName?: string;
    modelVersion?: string;
    dimensions?: number;
    created?: string;
    updated?: string;
    [field: string]: unknown;
  };
  embeddings: Record<string, Record<string, unknown>>;
}

/** Reads and checks the shape of a JSON cache file; throws a message naming the file. */
export function parseCacheFile(text: string, file: string): CacheFileData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not a JSON cache file: ${(error as Error).message}`);
  }
  const shaped = data as Partial<CacheFileData> | null;
  if (
    !shaped ||
    typeof shaped !== 'object' ||
    typeof shaped.metadata !== 'object' ||
    shaped.metadata === null ||
    typeof shaped.embeddings !== 'object' ||
    shaped.embeddings === null
  ) {
    throw new Error(`${file} is not a JSON cache file (no metadata and embeddings objects)`);
  }
  return shaped as CacheFileData;
}

/** The file layout `@codesearch/cache` writes: pretty metadata, then one entry per line. */
export function serializeCacheData(data: CacheFileData): string {
  const parts = Object.entries(data.embeddings).map(
    ([key, entry]) => `\n    ${JSON.stringify(key)}: ${JSON.stringify(entry)}`,
  );
  const meta = JSON.stringify(data.metadata, null, 2).replace(/\n/g, '\n  ');
  return `{\n  "metadata": ${meta},\n  "embeddings": {${parts.join(',')}${parts.length ? '\n  ' : ''}}\n}\n`;
}

/** Pure: the cache without the entries whose key is not in `keep`. */
export function pruneCacheData(
  data: CacheFileData,
  keep: ReadonlySet<string>,
): { data: CacheFileData; kept: number; removed: number } {
  const embeddings: CacheFileData['embeddings'] = {};
  let removed = 0;
  for (const [key, entry] of Object.entries(data.embeddings)) {
    if (keep.has(key)) embeddings[key] = entry;
    else removed++;
  }
  return {
    data: { metadata: { ...data.metadata, updated: new Date().toISOString() }, embeddings },
    kept: Object.keys(embeddings).length,
    removed,
  };
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

async function readCache(file: string): Promise<{ data: CacheFileData; bytes: number } | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  if (text === undefined) return undefined;
  return { data: parseCacheFile(text, file), bytes: Buffer.byteLength(text) };
}

export async function runCacheInfo(options: CacheCommandOptions, terminal: Terminal): Promise<number> {
  const where = cacheFile(options.cache);
  if ('unsupported' in where) {
    terminal.error(`codesearch: ${where.unsupported}`);
    return 1;
  }
  const cache = await readCache(where.file);
  const size = cache ? (await stat(where.file)).size : 0;
  const metadata = cache?.data.metadata;
  const info = {
    location: where.file,
    exists: cache !== undefined,
    entries: cache ? Object.keys(cache.data.embeddings).length : 0,
    bytes: size,
    model: metadata?.modelName
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
    ['entries', cache ? info.entries : 'no cache file yet'],
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
 * `cache prune`: keeps the entries whose content key an entity of the tree has now under the
 * given model (the keys `codesearch index` stores as the entities' content digests), and
 * drops the rest. The store has no API to list an index's digests, so the keys are computed
 * from the tree (parse + text preparation + the model's identity, no model run); the index
 * must exist and should be up to date (`codesearch status`).
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
  const cache = await readCache(where.file);
  if (!cache) {
    terminal.error(`no cache file at ${where.file}: nothing to prune`);
    return 0;
  }
  const info = await createTransformersEmbedder({
    ...(options.model ? { model: options.model } : {}),
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
  }).describe();
  const preparator = createTextPreparator();
  const { entities } = await parseDirectory(root, walkOptions(options));
  const keep = new Set<string>();
  for (const entity of entities) {
    try {
      const { text } =
        entity.kind === 'class' ? preparator.prepareClass(entity) : preparator.prepareFunction(entity);
      keep.add(
        contentKey({
          modelName: info.modelName,
          modelVersion: info.modelVersion,
          textPrepVersion: preparator.version,
          text,
        }),
      );
    } catch {
      // An entity whose text cannot be prepared has no cache entry to keep.
    }
  }
  const pruned = pruneCacheData(cache.data, keep);
  const report = {
    location: where.file,
    kept: pruned.kept,
    removed: pruned.removed,
    dryRun: options.dryRun ?? false,
  };
  if (pruned.removed > 0 && !options.dryRun) {
    const lock = `${where.file}.lock`;
    if (
      await stat(lock).then(
        () => true,
        () => false,
      )
    ) {
      terminal.error(
        `codesearch: ${where.file} is locked by a running codesearch (${lock}); try again when it ends`,
      );
      return 1;
    }
    const temporary = `${where.file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(temporary, serializeCacheData(pruned.data));
    await rename(temporary, where.file);
  }
  if (options.json) terminal.out(JSON.stringify(report));
  else
    terminal.out(
      `${options.dryRun ? 'would remove' : 'removed'} ${pruned.removed} of ${pruned.removed + pruned.kept} cache entries (${pruned.kept} used by ${root} kept) in ${where.file}`,
    );
  return 0;
}
