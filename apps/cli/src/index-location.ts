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
