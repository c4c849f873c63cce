import type { EmbeddingCacheEntry, EmbeddingModelInfo } from '@codesearch/core';
import { CacheError } from '@codesearch/core';
import type { FileOperationError } from '@codesearch/fs';
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
  /**
   * JSON file: `flush()` appends new entries to `<file>.journal` and folds the journal into the
   * file once the journal would exceed this share of the file's size (and at `close()`).
   * Default 0.5; 0 rewrites the whole file at every flush (no journal).
   */
  compactRatio?: number;
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

export function describeModel(model: ModelIdentity): string {
  return `${model.modelName} (version ${model.modelVersion}, ${model.dimensions} dimensions)`;
}

/** `EACCES: permission denied, open '…'` → the message; errors without one → their string. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NON_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with control characters (C0, DEL, C1, line separators, bidi overrides) written as
 * `\xNN` / `\uNNNN`: for every message that quotes file content (JSON.parse quotes the bytes it
 * choked on), so that a binary file cannot clear or retitle the user's terminal.
 */
export function printable(text: string): string {
  return text.replace(NON_PRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * What went wrong writing `file`: a `FileOperationError` about the file itself (or its journal)
 * already says `cannot <action> <file>: <cause>` and is used as it is; anything else is prefixed
 * with `cannot <verb> <file>: `, so that the path is named once.
 */
export function failureText(verb: string, file: string, error: unknown): string {
  if (isFileOperationError(error) && (error.path === file || error.path.startsWith(`${file}.`))) {
    return error.message;
  }
  return `cannot ${verb} ${file}: ${errorText(error)}`;
}

/** By shape rather than `instanceof`, so that a second copy of @codesearch/fs is recognised too. */
function isFileOperationError(error: unknown): error is FileOperationError {
  return (
    error instanceof Error &&
    error.name === 'FileOperationError' &&
    typeof (error as FileOperationError).path === 'string'
  );
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
