import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Language } from '@codesearch/core';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { DEFAULT_EXCLUDED_DIRECTORIES, DEFAULT_EXCLUDED_FILES, DEFAULT_MAX_FILE_SIZE, formatBytes } from './file-policy.js';
import { detectLanguage } from './language-detection.js';

export interface WalkOptions {
  /** Only these languages (default: all supported). */
  languages?: readonly Language[];
  /** Globs a file's root-relative path must match, e.g. `src/**` or `*.py` (any of them). */
  include?: readonly string[];
  /** Patterns to leave out, with .gitignore syntax: `tests/`, `*.test.ts`, `/scripts`. */
  exclude?: readonly string[];
  /** Honour `.gitignore` files and `.git/info/exclude` (default true). */
  gitignore?: boolean;
  /** Skip dependency, build-output and tool directories, lockfiles and minified bundles (default true). */
  defaultExcludes?: boolean;
  /** Files larger than this many bytes are skipped (default 1 MiB). */
  maxFileSize?: number;
  /**
   * Follow symbolic links whose target is inside the root (default false: like git, a link is
   * not its target, and targets inside the root are walked anyway). Links out of the root are
   * never followed.
   */
  followSymlinks?: boolean;
}

/** A file the walk will hand to the parser. */
export interface SourceFile {
  absolutePath: string;
  /** POSIX path relative to the root. */
  relativePath: string;
  language: Language;
  size: number;
}

/** A file or directory the walk passed over, and why. `error` marks problems rather than policy. */
export interface SkippedPath {
  relativePath: string;
  reason: string;
  error: boolean;
}

export type WalkEntry = { type: 'file'; file: SourceFile } | { type: 'skipped'; skipped: SkippedPath };

interface IgnoreScope {
  /** POSIX directory of the .gitignore, relative to the root ('' for the root). */
  base: string;
  rules: Ignore;
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'ENOENT':
      return 'broken symbolic link (target does not exist)';
    default:
      return code ? `${code}: ${(error as Error).message}` : String(error);
  }
}

async function readIgnoreFile(file: string): Promise<Ignore | undefined> {
  try {
    return ignore().add(await readFile(file, 'utf8'));
  } catch {
    return undefined; // no such file, or unreadable: nothing to honour
  }
}

function isIgnored(scopes: readonly IgnoreScope[], relativePath: string, isDirectory: boolean): boolean {
  for (const scope of scopes) {
    const local = scope.base === '' ? relativePath : relativePath.slice(scope.base.length + 1);
    if (scope.rules.ignores(isDirectory ? `${local}/` : local)) return true;
  }
  return false;
}

/**
 * Walks `root` depth-first in sorted order and yields the source files to parse, and the paths
 * it skipped with the reason. Never throws for a bad path inside the tree: each becomes a
 * `skipped` entry. Throws only when `root` itself cannot be read.
 */
export async function* walkSourceFiles(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const absoluteRoot = path.resolve(root);
  const realRoot = await realpath(absoluteRoot);
  const useGitignore = options.gitignore ?? true;
  const useDefaults = options.defaultExcludes ?? true;
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const languages = options.languages ? new Set(options.languages) : undefined;
  const include = options.include?.length ? picomatch([...options.include], { dot: true, basename: true }) : undefined;

  const baseRules = ignore();
  if (useDefaults) baseRules.add(DEFAULT_EXCLUDED_DIRECTORIES.map((name) => `${name}/`)).add([...DEFAULT_EXCLUDED_FILES]);
  if (options.exclude?.length) baseRules.add([...options.exclude]);
  const rootScopes: IgnoreScope[] = [{ base: '', rules: baseRules }];
  if (useGitignore) {
    const infoExclude = await readIgnoreFile(path.join(absoluteRoot, '.git', 'info', 'exclude'));
    if (infoExclude) rootScopes.push({ base: '', rules: infoExclude });
  }

  const visitedDirectories = new Set<string>([realRoot]);
  const visitedFiles = new Set<string>();

  async function* walkDirectory(directory: string, relative: string, scopes: IgnoreScope[]): AsyncGenerator<WalkEntry> {
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      yield { type: 'skipped', skipped: { relativePath: relative || '.', reason: `cannot read directory: ${describeFsError(error)}`, error: true } };
      return;
    }
    if (useGitignore && entries.some((entry) => entry.name === '.gitignore')) {
      const rules = await readIgnoreFile(path.join(directory, '.gitignore'));
      if (rules) scopes = [...scopes, { base: relative, rules }];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    for (const entry of entries) {
      const absolutePath = path.join(directory, entry.name);
      const relativePath = relative === '' ? entry.name : `${relative}/${entry.name}`;
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();

      if (entry.isSymbolicLink()) {
        const target = await resolveLink(absolutePath, relativePath);
        if ('skipped' in target) {
          // A link that could never be parsed (not a source file name, not a directory) is not worth a line.
          if (target.worthReporting) yield { type: 'skipped', skipped: target.skipped };
          continue;
        }
        isDirectory = target.isDirectory;
        isFile = !target.isDirectory;
        if (isDirectory && visitedDirectories.has(target.real)) {
          yield { type: 'skipped', skipped: { relativePath, reason: 'symbolic link to a directory already walked (cycle)', error: false } };
          continue;
        }
      }

      if (isDirectory) {
        if (isIgnored(scopes, relativePath, true)) continue;
        if (entry.isSymbolicLink()) visitedDirectories.add(await realpath(absolutePath));
        yield* walkDirectory(absolutePath, relativePath, scopes);
        continue;
      }
      const language = detectLanguage(entry.name);
      if (!language || (languages && !languages.has(language))) continue;
      if (isIgnored(scopes, relativePath, false)) continue;
      if (include && !include(relativePath)) continue;
      if (!isFile) {
        yield { type: 'skipped', skipped: { relativePath, reason: 'not a regular file', error: false } };
        continue;
      }
      let size: number;
      let real: string;
      try {
        const info = await stat(absolutePath);
        size = info.size;
        real = entry.isSymbolicLink() ? await realpath(absolutePath) : absolutePath;
      } catch (error) {
        yield { type: 'skipped', skipped: { relativePath, reason: describeFsError(error), error: true } };
        continue;
      }
      if (visitedFiles.has(real)) continue;
      visitedFiles.add(real);
      if (size > maxFileSize) {
        yield {
          type: 'skipped',
          skipped: { relativePath, reason: `too large (${formatBytes(size)}, limit ${formatBytes(maxFileSize)})`, error: false },
        };
        continue;
      }
      yield { type: 'file', file: { absolutePath, relativePath, language, size } };
    }
  }

  type LinkTarget =
    | { real: string; isDirectory: boolean }
    | { skipped: SkippedPath; worthReporting: boolean };

  async function resolveLink(absolutePath: string, relativePath: string): Promise<LinkTarget> {
    const looksLikeSource = detectLanguage(relativePath) !== undefined;
    let real: string;
    let isDirectory: boolean;
    try {
      real = await realpath(absolutePath);
      isDirectory = (await stat(real)).isDirectory();
    } catch (error) {
      return { skipped: { relativePath, reason: describeFsError(error), error: true }, worthReporting: true };
    }
    const worthReporting = looksLikeSource || isDirectory;
    if (!isInside(realRoot, real)) {
      return { skipped: { relativePath, reason: 'symbolic link points outside the root (not followed)', error: false }, worthReporting };
    }
    if (!options.followSymlinks) {
      return { skipped: { relativePath, reason: 'symbolic link (not followed; see followSymlinks)', error: false }, worthReporting };
    }
    return { real, isDirectory };
  }

  yield* walkDirectory(absoluteRoot, '', rootScopes);
}
