import { rm, stat } from 'node:fs/promises';
import { CacheError, type CacheMetadata } from '@codesearch/core';
import { writeFileAtomic } from '@codesearch/fs';
import { serializeCacheFile } from './cache-file.js';
import { nowIso } from './common.js';
import {
  type CacheFileLockOptions,
  type JournalSummary,
  jsonCacheFile,
  readCacheWithJournal,
  withCacheFileLock,
} from './file-tools.js';
import { fileStamp, moveAside } from './move-aside.js';

export interface PruneCacheOptions extends CacheFileLockOptions {
  /** Count what would be removed; write nothing. */
  dryRun?: boolean;
}

export interface PruneCacheResult {
  /** The cache file (absolute path). */
  file: string;
  /** Entries in the cache (file and journal) before the prune, malformed ones included: `removed + kept`. */
  before: number;
  /** Entries removed (or that would be, on a dry run), malformed entries included. */
  removed: number;
  /** Entries kept. */
  kept: number;
}

export interface CacheFileInfo {
  /** The cache file (absolute path). */
  file: string;
  /** Size on disk of the file and its journal; 0 when there is no file yet. */
  bytes: number;
  /** Usable entries, the journal's included; 0 when there is no file yet. */
  entries: number;
  /** The file's metadata, or `undefined` when there is no file yet. */
  metadata: CacheMetadata | undefined;
  /**
   * The journal beside the file (`<file>.journal`), when there is one: its size, the entries it
   * adds, and why it is not (fully) used when it is not (`open()` would then move it aside).
   */
  journal?: { file: string; bytes: number; entries: number; problem?: string };
}

function notUsable(file: string, reason: string): CacheError {
  return new CacheError(`${file} is not a usable cache file (${reason}); left untouched`, {
    code: 'CORRUPT',
  });
}

/**
 * Read-only: where the JSON cache file of `location` is, its size, usable entries (its
 * journal's included) and metadata. A missing file is `{ bytes: 0, entries: 0, metadata:
 * undefined }`; a file that is not a cache file throws a `CacheError` naming it.
 */
export async function inspectCacheFile(location: string | undefined): Promise<CacheFileInfo> {
  const file = await jsonCacheFile(location, 'inspect');
  const read = await readCacheWithJournal(file);
  if (read.kind === 'missing') return { file, bytes: 0, entries: 0, metadata: undefined };
  if (read.kind === 'corrupt') throw notUsable(file, read.reason);
  const { metadata, embeddings, bytes, journal } = read.content;
  const info: CacheFileInfo = {
    file,
    bytes: bytes + (journal?.bytes ?? 0),
    entries: embeddings.size,
    metadata,
  };
  if (journal) {
    info.journal = {
      file: journal.file,
      bytes: journal.bytes,
      entries: journal.entries,
      ...(journal.problem ? { problem: journal.problem } : {}),
    };
  }
  return info;
}

/**
 * Removes from the JSON cache of `location` every entry whose key is not in `keep` (typically
 * `await index.digests()`), holding the file's lock so that no concurrent `flush()` is lost:
 * the file and its journal are read, filtered, and the rest written atomically as the file
 * alone; then the journal is removed. Nothing is written on a dry run or when nothing is
 * removed. A missing file is an empty result; a file that is not a cache file throws a
 * `CacheError` naming it and is left as it is.
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
  return withCacheFileLock(file, { verb: 'prune', doing: 'pruning' }, options, async () => {
    const read = await readCacheWithJournal(file);
    if (read.kind === 'missing') return { file, before: 0, removed: 0, kept: 0 };
    if (read.kind === 'corrupt') throw notUsable(file, read.reason);
    const { metadata, embeddings, invalid, journal } = read.content;
    const kept = [...embeddings].filter(([key]) => keep.has(key));
    const removed = embeddings.size - kept.length + invalid;
    if (removed > 0 && !options.dryRun) {
      const updated: CacheMetadata = { ...metadata, updated: nowIso() };
      await writeFileAtomic(file, serializeCacheFile(updated, kept));
      await retireJournal(journal);
    }
    return { file, before: embeddings.size + invalid, removed, kept: kept.length };
  });
}

/**
 * After the file was rewritten with its journal folded in: removes the journal, or moves it
 * aside when part of it could not be read. A journal that does not belong to the file (another
 * model or cache) was not applied, and is left for `open()` to move aside.
 */
async function retireJournal(journal: JournalSummary | undefined): Promise<void> {
  if (!journal?.applied) return;
  if (journal.damaged) await moveAside(journal.file, `corrupt-${fileStamp(nowIso())}`);
  else await rm(journal.file, { force: true });
}
