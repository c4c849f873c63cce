import { StoreError } from '@codesearch/core';

/** `codesearch index <root>` with the `--index` flag when one was given: what to run to create the index. */
export function indexHint(root: string, index: string | undefined): string {
  const quoted = (value: string) => (/^[\w./~-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);
  return `codesearch index ${quoted(root)}${index ? ` --index ${quoted(index)}` : ''}`;
}

/**
 * The store's messages say `codesearch index <path>` and `codesearch index --rebuild <path>`:
 * it does not know the tree or the `--index` flag. Fill in the exact command for this index,
 * so that following the hint rebuilds the index that is broken, not the default one.
 */
export function withIndexCommand(error: unknown, root: string, index: string | undefined): unknown {
  if (!StoreError.isInstance(error)) return error;
  const create = indexHint(root, index);
  error.message = error.message
    .replaceAll('`codesearch index --rebuild <path>`', `\`${create} --rebuild\``)
    .replaceAll('`codesearch index <path>`', `\`${create}\``);
  return error;
}
