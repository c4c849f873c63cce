import type { EmbeddingCacheEntry } from '@codesearch/core';
import { CacheError } from '@codesearch/core';
import { decodeVector, encodeVector } from './vector-codec.js';

/** An entry as stored: the file's `embeddings` values and the JSON kept in SQLite/Redis. */
export interface StoredEntry {
  name: string;
  /** Base64 of the little-endian float32 bytes. */
  embedding: string;
  timestamp: string;
  modelVersion: string;
  location?: string;
}

export function toStoredEntry(entry: EmbeddingCacheEntry, dimensions: number): StoredEntry {
  if (!(entry?.embedding instanceof Float32Array) || entry.embedding.length !== dimensions) {
    throw new CacheError(
      `refusing to store ${entry?.name ?? 'an entry'}: expected a Float32Array of ${dimensions} values`,
      { code: 'INVALID_ENTRY' },
    );
  }
  const stored: StoredEntry = {
    name: String(entry.name),
    embedding: encodeVector(entry.embedding),
    timestamp: String(entry.timestamp),
    modelVersion: String(entry.modelVersion),
  };
  if (entry.location !== undefined) stored.location = String(entry.location);
  return stored;
}

/** The entry, or `undefined` when `value` is not a well-formed entry of `dimensions` values. */
export function fromStoredEntry(value: unknown, dimensions: number): EmbeddingCacheEntry | undefined {
  if (!isStoredEntryShape(value)) return undefined;
  const embedding = decodeVector(value.embedding, dimensions);
  if (!embedding) return undefined;
  const entry: EmbeddingCacheEntry = {
    name: value.name,
    embedding,
    timestamp: value.timestamp,
    modelVersion: value.modelVersion,
  };
  if (value.location !== undefined) entry.location = value.location;
  return entry;
}

/** Field types only; the vector itself is checked when read. */
export function isStoredEntryShape(value: unknown): value is StoredEntry {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.name === 'string' &&
    typeof record.embedding === 'string' &&
    typeof record.timestamp === 'string' &&
    typeof record.modelVersion === 'string' &&
    (record.location === undefined || typeof record.location === 'string')
  );
}
