import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { IndexManifest } from '@codesearch/core';
import type { WalkOptions } from '@codesearch/parser';
import { defaultIndexDir, MARKER_FILE, TABLE_NAME } from '@codesearch/store';

/** The index directory for a tree: `--index`, or `<root>/.codesearch/index`. */
export function indexDirectory(root: string, index: string | undefined): string {
  return index ? path.resolve(index) : defaultIndexDir(root);
}

/**
 * Whether `directory` holds an index (its marker), or one of the layout before markers, which
 * opening then reports as needing a rebuild. Checked before the model is described.
 */
export async function indexExists(directory: string): Promise<boolean> {
  for (const entry of [MARKER_FILE, `${TABLE_NAME}.lance`]) {
    if (
      await stat(path.join(directory, entry)).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

/**
 * `codesearch index <root>` with `--index` when one was given and the walk flags the index was
 * built with, so that following a hint rebuilds the same index of the same files.
 */
export function indexHint(root: string, index: string | undefined, walk: WalkOptions = {}): string {
  return [
    'codesearch index',
    quoted(root),
    ...(index ? ['--index', quoted(index)] : []),
    ...walkFlags(walk),
  ].join(' ');
}

/** The walk options of a manifest (`IndexManifest.walk`) as the flags that produce them. */
export function walkFlags(walk: WalkOptions | IndexManifest['walk']): string[] {
  const options = walk as WalkOptions;
  const flags: string[] = [];
  if (options.languages?.length) flags.push('--lang', options.languages.join(','));
  for (const pattern of options.include ?? []) flags.push('--include', quoted(pattern));
  for (const pattern of options.exclude ?? []) flags.push('--exclude', quoted(pattern));
  if (options.maxFileSize !== undefined) flags.push('--max-file-size', formatSize(options.maxFileSize));
  if (options.gitignore === false) flags.push('--no-gitignore');
  if (options.defaultExcludes === false) flags.push('--no-default-excludes');
  if (options.followSymlinks) flags.push('--follow-symlinks');
  return flags;
}

/** Bytes as `--max-file-size` reads them back: `5m`, `500k`, or the plain number. */
function formatSize(bytes: number): string {
  if (bytes > 0 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}m`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}

function quoted(value: string): string {
  return /^[\w./~,:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

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
