import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_EXCLUDED_DIRECTORIES, detectFileLanguage, detectLanguage } from '@codesearch/parser';
import { CODESEARCH_DIR } from '../codesearch-dir.js';

/** Directories never watched: version control and codesearch's own (whatever the walk flags). */
const ALWAYS_IGNORED = ['.git', '.hg', '.svn', CODESEARCH_DIR];

/**
 * What the watcher skips (no inotify watch is added under them, so their churn costs nothing):
 * version control, `.codesearch`, the index directory when it is inside the tree, and — unless
 * the index was built with `--no-default-excludes` — the directories the walk leaves out by
 * default (`node_modules`, build output, caches) at any depth.
 */
export function watcherIgnores(root: string, indexDirectory: string, defaultExcludes: boolean): string[] {
  const names = new Set([...ALWAYS_IGNORED, ...(defaultExcludes ? DEFAULT_EXCLUDED_DIRECTORIES : [])]);
  // A directory by name at any depth, and what is under it (for backends that report it anyway).
  const globs = [...names].flatMap((name) => [`**/${name}`, `**/${name}/**`]);
  const index = path.relative(path.resolve(root), path.resolve(indexDirectory));
  const inside = index !== '' && !index.startsWith('..') && !path.isAbsolute(index);
  return inside ? [...globs, path.resolve(indexDirectory)] : globs;
}

/** The files an index holds (root-relative, `/`-separated) and the directories above them. */
export class IndexedPaths {
  readonly #files: Set<string>;
  readonly #directories = new Set<string>();

  constructor(files: Iterable<string>) {
    this.#files = new Set(files);
    for (const file of this.#files) {
      for (let slash = file.lastIndexOf('/'); slash > 0; slash = file.lastIndexOf('/', slash - 1)) {
        const directory = file.slice(0, slash);
        if (this.#directories.has(directory)) break;
        this.#directories.add(directory);
      }
    }
  }

  /** An indexed file, or a directory holding one. */
  covers(relativePath: string): boolean {
    return this.#files.has(relativePath) || this.#directories.has(relativePath);
  }

  get size(): number {
    return this.#files.size;
  }
}

export interface FileEvent {
  path: string;
  type: 'create' | 'update' | 'delete';
}

/**
 * Whether an event can change what the index should hold, so that an editor's swap files,
 * logs and other files the walk never indexes do not cost a refresh: a source file (by its
 * name, or its first bytes for a script without extension, as the walk decides), a `.gitignore` (it changes the walk), an indexed file or a
 * directory holding one (deleted or renamed away), or a directory that appeared (moved in: its
 * files get no events of their own). Everything else the refresh would find unchanged anyway.
 */
export async function isRelevantEvent(
  root: string,
  event: FileEvent,
  indexed: IndexedPaths,
): Promise<boolean> {
  const relative = path.relative(root, event.path).split(path.sep).join('/');
  if (relative === '' || relative.startsWith('../')) return false;
  if (path.posix.basename(relative) === '.gitignore') return true;
  // By name, or by the first bytes when the name cannot tell (a script without extension); a
  // deleted file by its name.
  const language =
    event.type === 'delete' ? detectLanguage(relative) : await detectFileLanguage(event.path, relative);
  if (language !== undefined) return true;
  if (indexed.covers(relative)) return true;
  if (event.type !== 'create') return false;
  return (await lstat(event.path).catch(() => undefined))?.isDirectory() ?? false;
}
