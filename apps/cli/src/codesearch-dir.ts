import { lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The directory codesearch keeps inside a tree (its default index is `<root>/.codesearch/index`). */
export const CODESEARCH_DIR = '.codesearch';

/** What `.codesearch/.gitignore` holds: everything in the directory is local data. */
export const CODESEARCH_GITIGNORE = '# Written by codesearch: its index is local data, never committed.\n*\n';

export interface GitignoreOutcome {
  /** `<root>/.codesearch/.gitignore`. */
  file: string;
  /**
   * `written` now; `present` (a file, a link or anything else already there is left as it is);
   * `skipped` (the index is not in its default place, or `.codesearch` is not a directory of
   * the tree); `failed` (`reason` says why: the index works all the same).
   */
  state: 'written' | 'present' | 'skipped' | 'failed';
  reason?: string;
}

/**
 * Keeps the default index out of `git status`: writes `<root>/.codesearch/.gitignore` (`*`)
 * when the index is in its default place (`index` undefined) and `<root>/.codesearch` is a real
 * directory (not a link into somewhere else). Never replaces anything already there, not even
 * an empty file (a user who wants the index committed keeps their own). Never rejects.
 */
export async function ignoreCodesearchDirectory(
  root: string,
  index: string | undefined,
): Promise<GitignoreOutcome> {
  const directory = path.join(path.resolve(root), CODESEARCH_DIR);
  const file = path.join(directory, '.gitignore');
  if (index !== undefined) return { file, state: 'skipped' };
  const info = await lstat(directory).catch(() => undefined);
  if (!info?.isDirectory()) return { file, state: 'skipped' };
  try {
    // `wx`: created only if nothing is there (a dangling link included), atomically.
    await writeFile(file, CODESEARCH_GITIGNORE, { flag: 'wx' });
    return { file, state: 'written' };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return { file, state: 'present' };
    return { file, state: 'failed', reason: `cannot write ${file}: ${code ?? message}` };
  }
}
