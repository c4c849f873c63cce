import { stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultIndexDir, TABLE_NAME } from '@codesearch/store';

/** The index directory for a tree: `--index`, or `<root>/.codesearch/index`. */
export function indexDirectory(root: string, index: string | undefined): string {
  return index ? path.resolve(index) : defaultIndexDir(root);
}

/** Whether `directory` holds an index table (checked before the model is described). */
export async function indexExists(directory: string): Promise<boolean> {
  return stat(path.join(directory, `${TABLE_NAME}.lance`)).then(
    () => true,
    () => false,
  );
}

export { indexHint } from './index-hint.js';

/**
 * Why `root` cannot be an indexed tree, or `undefined` when it can: an index belongs to a
 * directory, so a file (or nothing) there gets a message rather than a hint to index it.
 */
export async function treeRootProblem(root: string, flag: string): Promise<string | undefined> {
  const info = await stat(root).catch(() => undefined);
  if (!info) return `${flag} ${root}: no such directory`;
  if (!info.isDirectory()) {
    return `${flag} ${root} is a file; give the directory that was indexed (\`codesearch index <directory>\` indexes a tree)`;
  }
  return undefined;
}
