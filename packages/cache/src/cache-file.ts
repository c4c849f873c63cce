import { open, stat } from 'node:fs/promises';
import type { CacheMetadata } from '@codesearch/core';
import { errorText, printable } from './common.js';
import { isStoredEntryShape, type StoredEntry } from './entry-codec.js';
import { encodedLength } from './vector-codec.js';

/**
 * The JSON file:
 * `{"metadata": {modelName, modelVersion, dimensions, created, updated, replaced?},
 *   "embeddings": {"<contentKey>": {name, embedding: "<base64>", timestamp, modelVersion, location?}}}`
 */
export interface CacheFileContent {
  metadata: CacheMetadata;
  embeddings: Map<string, StoredEntry>;
  /** Entries dropped because they were malformed or not `metadata.dimensions` long. */
  invalid: number;
}

/** Identifies one version of the file: every write renames a new inode into place. */
export interface FileSignature {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export type CacheFileRead =
  | { kind: 'missing' }
  | { kind: 'ok'; content: CacheFileContent; signature: FileSignature }
  /** `special`: not a regular file (a FIFO, a device): never read, moved or replaced. */
  | { kind: 'corrupt'; reason: string; special?: boolean };

export function sameSignature(a: FileSignature | undefined, b: FileSignature | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs
  );
}

export function signatureOf(stats: FileSignature): FileSignature {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

/**
 * Reads and checks the file; the signature is taken from the same open handle as the bytes.
 * A special file is not opened (a FIFO would block the read forever).
 */
export async function readCacheFile(file: string): Promise<CacheFileRead> {
  let text: string;
  let signature: FileSignature;
  try {
    if (!(await stat(file)).isFile()) return { kind: 'corrupt', reason: 'not a regular file', special: true };
    const handle = await open(file, 'r');
    try {
      signature = signatureOf(await handle.stat());
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', reason: `cannot read it: ${errorText(error)}` };
  }
  const parsed = parseCacheFile(text);
  return typeof parsed === 'string'
    ? { kind: 'corrupt', reason: parsed }
    : { kind: 'ok', content: parsed, signature };
}

/** The content, or why the text is not a cache file (printable: it may quote the text). */
export function parseCacheFile(text: string): CacheFileContent | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return text.trim() === '' ? 'the file is empty' : `invalid JSON (${printable(errorText(error))})`;
  }
  if (!isObject(data)) return 'not a JSON object';
  const metadata = parseMetadata(data.metadata);
  if (!metadata) return 'missing or malformed "metadata"';
  if (!isObject(data.embeddings)) return 'missing or malformed "embeddings"';
  const embeddings = new Map<string, StoredEntry>();
  const length = encodedLength(metadata.dimensions);
  let invalid = 0;
  for (const [key, value] of Object.entries(data.embeddings)) {
    if (isStoredEntryShape(value) && value.embedding.length === length) embeddings.set(key, value);
    else invalid++;
  }
  return { metadata, embeddings, invalid };
}

function parseMetadata(value: unknown): CacheMetadata | undefined {
  if (!isObject(value)) return undefined;
  const { modelName, modelVersion, dimensions, created, updated, replaced } = value;
  if (
    typeof modelName !== 'string' ||
    typeof modelVersion !== 'string' ||
    !Number.isInteger(dimensions) ||
    (dimensions as number) <= 0 ||
    typeof created !== 'string' ||
    typeof updated !== 'string'
  ) {
    return undefined;
  }
  const metadata: CacheMetadata = {
    modelName,
    modelVersion,
    dimensions: dimensions as number,
    created,
    updated,
  };
  // A malformed `replaced` note is history only: drop it rather than the cache.
  if (
    isObject(replaced) &&
    typeof replaced.modelName === 'string' &&
    typeof replaced.modelVersion === 'string' &&
    typeof replaced.dimensions === 'number' &&
    typeof replaced.entries === 'number' &&
    typeof replaced.at === 'string' &&
    (replaced.movedTo === undefined || typeof replaced.movedTo === 'string')
  ) {
    metadata.replaced = {
      modelName: replaced.modelName,
      modelVersion: replaced.modelVersion,
      dimensions: replaced.dimensions,
      entries: replaced.entries,
      ...(replaced.movedTo === undefined ? {} : { movedTo: replaced.movedTo }),
      at: replaced.at,
    };
  }
  return metadata;
}

/**
 * Metadata pretty-printed, then one entry per line: readable with `jq` or `less`, and a
 * diff shows entries added or removed.
 */
export function serializeCacheFile(
  metadata: CacheMetadata,
  embeddings: Iterable<readonly [string, StoredEntry]>,
): string {
  const parts: string[] = [];
  for (const [key, entry] of embeddings) {
    const ordered: StoredEntry = {
      name: entry.name,
      embedding: entry.embedding,
      timestamp: entry.timestamp,
      modelVersion: entry.modelVersion,
    };
    if (entry.location !== undefined) ordered.location = entry.location;
    parts.push(`\n    ${JSON.stringify(key)}: ${JSON.stringify(ordered)}`);
  }
  const meta = JSON.stringify(metadata, null, 2).replace(/\n/g, '\n  ');
  return `{\n  "metadata": ${meta},\n  "embeddings": {${parts.join(',')}${parts.length ? '\n  ' : ''}}\n}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
