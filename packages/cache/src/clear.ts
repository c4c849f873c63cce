import { rm, stat } from 'node:fs/promises';
import { CacheError } from '@codesearch/core';
import { readCacheFile } from './cache-file.js';
import { type CacheFileLockOptions, jsonCacheFile, withCacheFileLock } from './file-tools.js';
import { journalFile, readJournal } from './journal.js';

export interface ClearCacheResult {
  /** The cache file (absolute path). */
  file: string;
  /** What was removed, in order: the journal (when there was one), then the file. Empty when there was no file. */
  removed: string[];
}

/**
 * Deletes the JSON cache of `location` — the file and its journal, nothing else (not the lock,
 * not files moved aside earlier) — holding the file's lock, and only when the file is a
 * codesearch cache file (the check `inspectCacheFile` makes). Anything else is refused with a
 * `CacheError` (`NOT_A_CACHE`) naming the file and the reason, and left untouched. A missing
 * file removes nothing. SQLite and Redis caches throw a `CacheError` (`UNSUPPORTED`).
 */
export async function clearCacheFile(
  location: string | undefined,
  options: CacheFileLockOptions = {},
): Promise<ClearCacheResult> {
  const file = await jsonCacheFile(location, 'clear');
  const exists = await stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
  );
  if (!exists) return { file, removed: [] };
  return withCacheFileLock(file, { verb: 'clear', doing: 'clearing' }, options, async () => {
    const read = await readCacheFile(file);
    if (read.kind === 'missing') return { file, removed: [] };
    if (read.kind === 'corrupt') {
      throw new CacheError(`${file} is not a codesearch cache file (${read.reason}); left untouched`, {
        code: 'NOT_A_CACHE',
      });
    }
    const removed: string[] = [];
    // The journal first: a crash in between leaves a cache file without a journal, which is whole.
    const journal = journalFile(file);
    const content = await readJournal(journal, 0, read.content.metadata.dimensions);
    const ours =
      content.kind === 'ok' &&
      (content.content.header !== undefined || content.content.tornHeader || content.content.size === 0);
    if (ours) {
      await rm(journal);
      removed.push(journal);
    }
    await rm(file);
    removed.push(file);
    return { file, removed };
  });
}
