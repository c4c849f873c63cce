import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CacheError, type CacheMetadata } from '@codesearch/core';
import { DEFAULT_LOCK_STALE_MS, DEFAULT_LOCK_WAIT_MS, withFileLock } from '@codesearch/fs';
import { type CacheFileRead, readCacheFile } from './cache-file.js';
import { failureText } from './common.js';
import type { StoredEntry } from './entry-codec.js';
import { type JournalRead, journalFile, journalProblem, readJournal } from './journal.js';
import { DEFAULT_CACHE_FILE, givenFilePath, resolveLocation } from './location.js';

/** Lock options of the file tools (prune, clear): as `flush()` waits. */
export interface CacheFileLockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. Default 10 000 ms. */
  lockStaleMs?: number;
  /** How long to wait for another process's lock on the file. Default 20 000 ms. */
  lockWaitMs?: number;
}

/**
 * The JSON cache file of `location`, resolved as `createEmbeddingCache` does (an existing
 * directory, even one named `….json`, holds `cache.json`), except that an existing file is
 * taken as it is, whatever its name (`cache.json` inside a file cannot exist). SQLite and
 * Redis caches throw a `CacheError` (`UNSUPPORTED`).
 */
export async function jsonCacheFile(location: string | undefined, operation: string): Promise<string> {
  const resolved = resolveLocation(location);
  if (resolved.kind !== 'file') {
    throw new CacheError(
      `${resolved.display}: ${operation} supports the JSON file cache only (use the store's own tools for ${resolved.kind})`,
      { code: 'UNSUPPORTED' },
    );
  }
  const given = givenFilePath(location);
  if (given !== undefined && given !== resolved.path) {
    const info = await stat(given).catch(() => undefined);
    if (info && !info.isDirectory()) return given;
  }
  const stats = await stat(resolved.path).catch(() => undefined);
  return stats?.isDirectory() ? path.join(resolved.path, DEFAULT_CACHE_FILE) : resolved.path;
}

/** Runs `task` under the cache file's lock; failures other than `CacheError`s become `WRITE_FAILED` naming the file. */
export async function withCacheFileLock<T>(
  file: string,
  operation: { verb: string; doing: string },
  options: CacheFileLockOptions,
  task: () => Promise<T>,
): Promise<T> {
  const lost: Error[] = [];
  const result = await withFileLock(
    file,
    {
      staleMs: options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS,
      waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
      onCompromised: (error) => lost.push(error),
    },
    task,
  ).catch((error: unknown) => {
    if (CacheError.isInstance(error)) throw error;
    throw new CacheError(failureText(operation.verb, file, error), { code: 'WRITE_FAILED', cause: error });
  });
  if (lost.length > 0) {
    throw new CacheError(`lost the lock on ${file} while ${operation.doing} (${lost[0]!.message})`, {
      code: 'WRITE_FAILED',
    });
  }
  return result;
}

/** cache.json with the part of its journal that belongs to it: what `open()` would load. */
export interface CacheWithJournal {
  metadata: CacheMetadata;
  /** The union of the file's and the journal's usable entries. */
  embeddings: Map<string, StoredEntry>;
  /** Malformed entries dropped (file and journal). */
  invalid: number;
  /** Size of cache.json. */
  bytes: number;
  journal: JournalSummary | undefined;
}

export interface JournalSummary {
  /** `<cache file>.journal` */
  file: string;
  bytes: number;
  /** Entries the journal adds to the cache file (not counting repeats). */
  entries: number;
  /** Why part or all of the journal is not used, when it is not (another model, damaged, …). */
  problem?: string;
  /** Whether its entries (up to any damage) belong to this cache file and were counted. */
  applied: boolean;
  /** It failed its check part-way: the rest is unreadable (kept aside rather than removed). */
  damaged: boolean;
}

export type CacheWithJournalRead =
  | { kind: 'missing' }
  | Extract<CacheFileRead, { kind: 'corrupt' }>
  | { kind: 'ok'; content: CacheWithJournal };

/** Reads the cache file and replays its journal; writes nothing, moves nothing. */
export async function readCacheWithJournal(file: string): Promise<CacheWithJournalRead> {
  const base = await readCacheFile(file);
  if (base.kind !== 'ok') return base;
  const { metadata } = base.content;
  const embeddings = new Map(base.content.embeddings);
  let invalid = base.content.invalid;
  const journalPath = journalFile(file);
  const read: JournalRead = await readJournal(journalPath, 0, metadata.dimensions);
  let journal: JournalSummary | undefined;
  if (read.kind !== 'missing') {
    const problem = journalProblem(read, metadata, metadata);
    const bytes =
      read.kind === 'ok' ? read.content.size : ((await stat(journalPath).catch(() => undefined))?.size ?? 0);
    journal = { file: journalPath, bytes, entries: 0, applied: false, damaged: false };
    if (problem) journal.problem = problem.text;
    else if (read.kind === 'ok') {
      const before = embeddings.size;
      for (const [key, value] of read.content.entries) if (!embeddings.has(key)) embeddings.set(key, value);
      invalid += read.content.invalid;
      journal.entries = embeddings.size - before;
      journal.applied = true;
      if (read.content.damaged) {
        journal.damaged = true;
        journal.problem = read.content.damaged;
      }
    }
  }
  return { kind: 'ok', content: { metadata, embeddings, invalid, bytes: base.signature.size, journal } };
}
