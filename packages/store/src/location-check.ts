import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureDirectory } from '@codesearch/fs';
import { inspectDirectory, probeName } from './layout.js';
import { hintsFor, legacyIndex, notAnIndex, notWritable } from './store-errors.js';

export interface CheckIndexLocationOptions {
  /** The index will be rebuilt: an index of the pre-marker layout is then accepted. */
  rebuild?: boolean;
  /** The exact command that builds this index, for messages (see `OpenCodeIndexOptions`). */
  indexCommand?: string;
}

/**
 * Everything about the index directory that can be checked before a long embedding run:
 * - it is missing, empty, or an index (`NOT_AN_INDEX` for someone else's files; nothing is
 *   created or deleted in them), and not of the pre-marker layout unless rebuilding
 *   (`INDEX_FORMAT`);
 * - it can be created (`ensureDirectory`: fails fast where Node's recursive mkdir would loop,
 *   on procfs) and written: a probe file of our own is created and removed, so EACCES, EROFS or
 *   a full disk are reported now (`INDEX_NOT_WRITABLE`, naming the directory and the cause).
 */
export async function checkIndexLocation(
  directory: string,
  options: CheckIndexLocationOptions = {},
): Promise<void> {
  const dir = resolve(directory);
  const hints = hintsFor(options.indexCommand);
  const state = await inspectDirectory(dir).catch((error: unknown) => {
    throw notWritable(dir, error);
  });
  if (state.kind === 'foreign') throw notAnIndex(dir, state.entries);
  if (state.kind === 'legacy' && !options.rebuild) throw legacyIndex(dir, hints);
  try {
    await ensureDirectory(dir, 'the index');
  } catch (error) {
    throw notWritable(dir, error);
  }
  const probe = join(dir, probeName());
  try {
    await writeFile(probe, 'codesearch: checking that the index directory is writable\n');
  } catch (error) {
    throw notWritable(dir, error);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
}
