import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CacheError, type CacheMetadata } from '@codesearch/core';
import { DEFAULT_LOCK_STALE_MS, DEFAULT_LOCK_WAIT_MS, withFileLock, writeFileAtomic } from '@codesearch/fs';
import { readCacheFile, serializeCacheFile } from './cache-file.js';
import { errorText } from './common.js';
import { DEFAULT_CACHE_FILE, resolveLocation } from './location.js';

export interface PruneCacheOptions {
  /** Count what would be removed; write nothing. */
  dryRun?: boolean;
  /** A lock not refreshed for this long belongs to a dead process and is taken over. Default 10 000 ms. */
  lockStaleMs?: number;
  /** How long to wait for another process's lock on the file. Default 20 000 ms. */
  lockWaitMs?: number;
}

export interface PruneCacheResult {
  /** The cache file (absolute path). */
  file: string;
  /** Entries in the file before the prune, malformed ones included: `removed + kept`. */
  before: number;
  /** Entries removed (or that would be, on a dry run), malformed entries included. */
  removed: number;
  /** Entries kept. */
  kept: number;
}

export interface CacheFileInfo {
  /** The cache file (absolute path). */
  file: string;
  /** Size on disk; 0 when there is no file yet. */
  bytes: number;
  /** Usable entries; 0 when there is no file yet. */
  entries: number;
  /** The file's metadata, or `undefined` when there is no file yet. */
  metadata: CacheMetadata | undefined;
}

/**
 * The JSON cache file of `location`, resolved as `createEmbeddingCache` does: an existing
 * directory (even one named `….json`) holds `cache.json`. SQLite and Redis caches throw.
 */
async function jsonCacheFile(location: string | undefined, operation: string): Promise<string> {
  const resolved = resolveLocation(location);
  if (resolved.kind !== 'file') {
    throw new CacheError(
      `${resolved.display}: ${operation} supports the JSON file cache only (use the store's own tools for ${resolved.kind})`,
      { code: 'UNSUPPORTED' },
    );
  }
  const stats = await stat(resolved.path).catch(() => undefined);
  return stats?.isDirectory() ? path.join(resolved.path, DEFAULT_CACHE_FILE) : resolved.path;
}

function corrupt(file: string, reason: string): CacheError {
  return new CacheError(`${file} is not a usable cache file (${reason}); left untouched`, {
    code: 'CORRUPT',
  });
}

/**
 * Read-only: where the JSON cache file of `location` is, its size, usable entries and
 * metadata. A missing file is `{ bytes: 0, entries: 0, metadata: undefined }`; a file that
 * is not a cache file throws a `CacheError` naming it.
 */
export async function inspectCacheFile(location: string | undefined): Promise<CacheFileInfo> {
  const file = await jsonCacheFile(location, 'inspect');
  const read = await readCacheFile(file);
  if (read.kind === 'missing') return { file, bytes: 0, entries: 0, metadata: undefined };
  if (read.kind === 'corrupt') throw corrupt(file, read.reason);
  return {
    file,
    bytes: read.signature.size,
    entries: read.content.embeddings.size,
    metadata: read.content.metadata,
  };
}

/**
 * Removes from the JSON cache file of `location` every entry whose key is not in `keep`
 * (typically `await index.digests()`), holding the file's lock so that no concurrent
 * `flush()` is lost: the file is read, filtered and atomically rewritten under the lock.
 * Nothing is written on a dry run or when nothing is removed. A missing file is an empty
 * result; a file that is not a cache file throws a `CacheError` naming it and is left as it is.
 */
export async function pruneCacheFile(
  location: string | undefined,
  keep: ReadonlySet<string>,
  options: PruneCacheOptions = {},
): Promise<PruneCacheResult> {
  const file = await jsonCacheFile(location, 'prune');
  // No file, nothing to prune (and its directory may not exist to hold a lock).
  const exists = await stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
  );
  if (!exists) return { file, before: 0, removed: 0, kept: 0 };
  const lost: Error[] = [];
  const result = await withFileLock(
    file,
    {
      staleMs: options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS,
      waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
      onCompromised: (error) => lost.push(error),
    },
    async () => {
      const read = await readCacheFile(file);
      if (read.kind === 'missing') return { file, before: 0, removed: 0, kept: 0 };
      if (read.kind === 'corrupt') throw corrupt(file, read.reason);
      const { metadata, embeddings, invalid } = read.content;
      const kept = [...embeddings].filter(([key]) => keep.has(key));
      const removed = embeddings.size - kept.length + invalid;
      if (removed > 0 && !options.dryRun) {
        const updated: CacheMetadata = { ...metadata, updated: new Date().toISOString() };
        await writeFileAtomic(file, serializeCacheFile(updated, kept));
      }
      return { file, before: embeddings.size + invalid, removed, kept: kept.length };
    },
  ).catch((error: unknown) => {
    if (CacheError.isInstance(error)) throw error;
    throw new CacheError(`cannot prune ${file}: ${errorText(error)}`, { code: 'WRITE_FAILED', cause: error });
  });
  if (lost.length > 0) {
    throw new CacheError(`lost the lock on ${file} while pruning (${lost[0]!.message})`, {
      code: 'WRITE_FAILED',
    });
  }
  return result;
}
