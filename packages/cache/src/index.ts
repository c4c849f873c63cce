export { type ClearCacheResult, clearCacheFile } from './clear.js';
export type { EmbeddingCacheOptions } from './common.js';
export { type ContentKeyInput, contentKey } from './content-key.js';
export { createEmbeddingCache } from './create.js';
export { EmbeddingFileStore } from './file-store.js';
export type { CacheFileLockOptions } from './file-tools.js';
export { DEFAULT_COMPACT_RATIO, JsonFileEmbeddingCache } from './json-file-cache.js';
export { KeyvEmbeddingCache, type KeyvEmbeddingCacheOptions } from './keyv-cache.js';
export { DEFAULT_CACHE_FILE, defaultCacheDir, type ResolvedLocation, resolveLocation } from './location.js';
export {
  type CacheFileInfo,
  inspectCacheFile,
  type PruneCacheOptions,
  type PruneCacheResult,
  pruneCacheFile,
} from './prune.js';
export { decodeVector, encodeVector } from './vector-codec.js';
