import type { EmbeddingCache } from '@codesearch/core';
import type { EmbeddingCacheOptions } from './common.js';
import { JsonFileEmbeddingCache } from './json-file-cache.js';
import { KeyvEmbeddingCache } from './keyv-cache.js';
import { resolveLocation } from './location.js';
import { openRedisKeyv, openSqliteKeyv } from './stores.js';

/**
 * The cache at `location` (see `resolveLocation`): a JSON file by default, SQLite or Redis by
 * URL. Synchronous and side-effect free; the store is read or connected at `open()`.
 * Throws a `CacheError` for an unknown URL scheme.
 */
export function createEmbeddingCache(location?: string, options: EmbeddingCacheOptions = {}): EmbeddingCache {
  const resolved = resolveLocation(location);
  switch (resolved.kind) {
    case 'file':
      return new JsonFileEmbeddingCache(resolved.path, options);
    case 'sqlite':
      return new KeyvEmbeddingCache(() => openSqliteKeyv(resolved.path, options.sqliteBusyTimeoutMs), {
        ...options,
        location: resolved.display,
      });
    case 'redis':
      return new KeyvEmbeddingCache(() => openRedisKeyv(resolved.url, options.connectTimeoutMs), {
        ...options,
        location: resolved.display,
      });
  }
}
