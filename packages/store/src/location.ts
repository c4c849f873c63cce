import { join, resolve } from 'node:path';

/** Where `codesearch index <root>` keeps the index of `root`: `<root>/.codesearch/index`. */
export function defaultIndexDir(root: string): string {
  return join(resolve(root), '.codesearch', 'index');
}
