import type { EmbeddingCacheEntry, EmbeddingModelInfo } from '@codesearch/core';
import { CacheError } from '@codesearch/core';
import { fromStoredEntry } from './entry-codec.js';

/** Options of `createEmbeddingCache` and the cache classes. Every field is optional. */
export interface EmbeddingCacheOptions {
  /**
   * Warnings that arise after `open()` (entries that fail to decode, a cache file moved aside
   * during `flush()`, a lost lock). Default: `process.emitWarning`.
   */
  onWarning?: (message: string) => void;
  /** JSON file: a lock not refreshed for this long belongs to a dead process and is taken over. Default 10 000 ms (minimum 2 000). */
  lockStaleMs?: number;
  /** JSON file: how long `flush()` waits for another process's lock before it fails. Default 20 000 ms. */
  lockWaitMs?: number;
  /** SQLite: how long a statement waits for another connection's write lock. Default 10 000 ms. */
  sqliteBusyTimeoutMs?: number;
  /** Redis: connection timeout. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Key-value stores: prefix of every key this cache writes. Default `codesearch:`. */
  keyPrefix?: string;
}

export function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'CODESEARCH_CACHE' });
}

export function checkModel(model: EmbeddingModelInfo): EmbeddingModelInfo {
  const ok =
    typeof model?.modelName === 'string' &&
    model.modelName !== '' &&
    typeof model.modelVersion === 'string' &&
    Number.isInteger(model.dimensions) &&
    model.dimensions > 0;
  if (!ok) {
    throw new CacheError(
      'open() needs a model with modelName, modelVersion and positive integer dimensions',
      {
        code: 'INVALID_MODEL',
      },
    );
  }
  return { modelName: model.modelName, modelVersion: model.modelVersion, dimensions: model.dimensions };
}

type ModelIdentity = Pick<EmbeddingModelInfo, 'modelName' | 'modelVersion' | 'dimensions'>;

export function sameModel(a: ModelIdentity, b: ModelIdentity): boolean {
  return a.modelName === b.modelName && a.modelVersion === b.modelVersion && a.dimensions === b.dimensions;
}

export function describeModel(model: ModelIdentity): string {
  return `${model.modelName} (version ${model.modelVersion}, ${model.dimensions} dimensions)`;
}

/** `EACCES: permission denied, open '…'` → the message; errors without one → their string. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function notOpen(location: string, method: string): CacheError {
  return new CacheError(`${location}: ${method}() before open()`, { code: 'NOT_OPEN' });
}

export function checkKeys(keys: readonly unknown[]): void {
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string' && key !== '')) {
    throw new CacheError('cache keys must be non-empty strings', { code: 'INVALID_KEY' });
  }
}

/**
 * Decodes stored rows in key order. A row that is present but not a usable entry for this
 * model (bad shape, bad base64, wrong length) is a miss and is counted in `invalid`.
 */
export function decodeRows(
  rows: readonly unknown[],
  dimensions: number,
): { entries: Array<EmbeddingCacheEntry | undefined>; invalid: number } {
  let invalid = 0;
  const entries = rows.map((row) => {
    if (row === undefined || row === null) return undefined;
    const entry = fromStoredEntry(row, dimensions);
    if (!entry) invalid++;
    return entry;
  });
  return { entries, invalid };
}

export function nowIso(): string {
  return new Date().toISOString();
}
