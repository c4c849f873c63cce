import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Language } from '@codesearch/core';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { readHead } from './detect-file.js';
import {
  DEFAULT_EXCLUDED_DIRECTORIES,
  DEFAULT_EXCLUDED_FILES,
  DEFAULT_MAX_FILE_SIZE,
  formatBytes,
} from './file-policy.js';
import { BY_CONTENT, detectLanguage, languageByName, sniffLength } from './language-detection.js';

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
   * never followed. Followed links are walked after the rest of the tree, so a file reachable
   * both ways is walked once, at its own path.
   */
  followSymlinks?: boolean;
  /**
   * Only files whose root-relative POSIX path passes this test, after every other option (e.g.
   * one shard of a tree: `codesearch embed --shard`). Left-out files are not reported as skipped.
   */
  fileFilter?: (relativePath: string) => boolean;
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

/** An in-root symbolic link to follow once the tree itself has been walked. */
interface FollowedLink {
  absolutePath: string;
  relativePath: string;
  real: string;
  isDirectory: boolean;
  language?: Language | typeof BY_CONTENT;
  scopes: IgnoreScope[];
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  // `..foo` is a name inside the parent; `..` and `../x` are not.
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
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

/**
 * An include glob against the root-relative path. As in .gitignore, a glob without a slash
 * matches a name at any depth (`*.py`); one with a slash is anchored at the root (`src/**`,
 * `src/`).
 * (picomatch's `basename` option would match every glob against the name alone.)
 */
function includeGlob(glob: string): string {
  if (glob.endsWith('/')) return includeGlob(`${glob}**`); // `src/`: everything under src
  if (glob.startsWith('/')) return glob.slice(1);
  return glob.includes('/') ? glob : `**/${glob}`;
}

/** The include globs as one matcher of root-relative paths; undefined when there are none. */
function includeMatcher(
  include: readonly string[] | undefined,
): ((relativePath: string) => boolean) | undefined {
  return include?.length ? picomatch(include.map(includeGlob), { dot: true }) : undefined;
}

/**
 * Whether a root-relative POSIX path passes `include` and `exclude` as the walk applies them
 * (an excluded directory leaves out everything below it): for filtering search hits by path
 * with the same flags as `codesearch index`.
 */
export function pathMatcher(
  options: Pick<WalkOptions, 'include' | 'exclude'>,
): (relativePath: string) => boolean {
  const include = includeMatcher(options.include);
  const rules = options.exclude?.length ? ignore().add([...options.exclude]) : undefined;
  return (relativePath) => {
    if (include && !include(relativePath)) return false;
    if (!rules) return true;
    const parts = relativePath.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      if (rules.ignores(`${parts.slice(0, depth).join('/')}/`)) return false;
    }
    return !rules.ignores(relativePath);
  };
}

/**
 * `pathMatcher` when there is an include or exclude pattern, else undefined: no filter at all
 * (a search given a filter fetches deeper candidate lists).
 */
export function pathFilter(options: {
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}): ((relativePath: string) => boolean) | undefined {
  const { include, exclude } = options;
  if (!include?.length && !exclude?.length) return undefined;
  return pathMatcher({ ...(include?.length ? { include } : {}), ...(exclude?.length ? { exclude } : {}) });
}

/**
 * Git's verdict over the .gitignore files that apply, outermost first: the deepest file with a
 * matching rule decides, so a nested `!keep.py` re-includes what a parent ignored.
 */
function gitIgnored(scopes: readonly IgnoreScope[], relativePath: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const scope of scopes) {
    const local = scope.base === '' ? relativePath : relativePath.slice(scope.base.length + 1);
    const verdict = scope.rules.test(isDirectory ? `${local}/` : local);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}

/**
 * Walks `root` depth-first in sorted order (then the followed symbolic links) and yields the
 * source files to parse, and the paths it skipped with the reason. Never throws for a bad path inside the tree: each becomes a
 * `skipped` entry. Throws only when `root` itself cannot be read.
 */
export async function* walkSourceFiles(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const absoluteRoot = path.resolve(root);
  const realRoot = await realpath(absoluteRoot);
  const useGitignore = options.gitignore ?? true;
  const useDefaults = options.defaultExcludes ?? true;
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const languages = options.languages ? new Set(options.languages) : undefined;
  const include = includeMatcher(options.include);

  // Defaults and `exclude` always apply: a .gitignore negation does not bring back node_modules.
  const baseRules = ignore();
  if (useDefaults)
    baseRules.add(DEFAULT_EXCLUDED_DIRECTORIES.map((name) => `${name}/`)).add([...DEFAULT_EXCLUDED_FILES]);
  if (options.exclude?.length) baseRules.add([...options.exclude]);
  const rootScopes: IgnoreScope[] = [];
  if (useGitignore) {
    const infoExclude = await readIgnoreFile(path.join(absoluteRoot, '.git', 'info', 'exclude'));
    if (infoExclude) rootScopes.push({ base: '', rules: infoExclude });
  }
  const excluded = (scopes: readonly IgnoreScope[], relativePath: string, isDirectory: boolean): boolean =>
    baseRules.ignores(isDirectory ? `${relativePath}/` : relativePath) ||
    gitIgnored(scopes, relativePath, isDirectory);
  /**
   * The language of a file the options let through, `BY_CONTENT` when its first bytes decide
   * (the language filter then applies once they have), or undefined.
   */
  const wanted = (
    scopes: readonly IgnoreScope[],
    relativePath: string,
  ): Language | typeof BY_CONTENT | undefined => {
    const language = languageByName(relativePath);
    if (!language || (language !== BY_CONTENT && languages && !languages.has(language))) return undefined;
    if (excluded(scopes, relativePath, false) || (include && !include(relativePath))) return undefined;
    if (options.fileFilter && !options.fileFilter(relativePath)) return undefined;
    return language;
  };

  // Real paths of what has been walked, so no file is parsed twice under two names.
  const walkedDirectories = new Map<string, string>();
  const walkedFiles = new Map<string, string>();
  // Links are followed after the tree, so a file reachable both ways keeps its own path.
  const followed: FollowedLink[] = [];
  const skip = (relativePath: string, reason: string, error = false): WalkEntry => ({
    type: 'skipped',
    skipped: { relativePath, reason, error },
  });

  async function* walkDirectory(
    directory: string,
    realDirectory: string,
    relative: string,
    scopes: IgnoreScope[],
  ): AsyncGenerator<WalkEntry> {
    if (walkedDirectories.has(realDirectory)) return;
    walkedDirectories.set(realDirectory, relative || '.');
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      yield skip(relative || '.', `cannot read directory: ${describeFsError(error)}`, true);
      return;
    }
    if (useGitignore && entries.some((entry) => entry.name === '.gitignore')) {
      const rules = await readIgnoreFile(path.join(directory, '.gitignore'));
      if (rules) scopes = [...scopes, { base: relative, rules }];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    for (const entry of entries) {
      const absolutePath = path.join(directory, entry.name);
      const realPath = path.join(realDirectory, entry.name);
      const relativePath = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        yield* visitLink(absolutePath, relativePath, scopes);
      } else if (entry.isDirectory()) {
        if (!excluded(scopes, relativePath, true))
          yield* walkDirectory(absolutePath, realPath, relativePath, scopes);
      } else {
        const language = wanted(scopes, relativePath);
        if (!language) continue;
        // FIFOs, sockets and devices: reading one could block forever. One that only content
        // could make source is not reported: nothing says it is.
        if (!entry.isFile()) {
          if (detectLanguage(relativePath)) yield skip(relativePath, 'not a regular file');
        } else yield* visitFile(absolutePath, realPath, relativePath, language);
      }
    }
  }

  async function* visitFile(
    absolutePath: string,
    realPath: string,
    relativePath: string,
    byName: Language | typeof BY_CONTENT,
  ): AsyncGenerator<WalkEntry> {
    const seenAt = walkedFiles.get(realPath);
    if (seenAt !== undefined) {
      yield skip(relativePath, `symbolic link to a file already walked ('${seenAt}')`);
      return;
    }
    walkedFiles.set(realPath, relativePath);
    let size: number;
    try {
      size = (await stat(absolutePath)).size;
    } catch (error) {
      yield skip(relativePath, describeFsError(error), true);
      return;
    }
    let language: Language;
    if (byName !== BY_CONTENT) language = byName;
    else {
      const head = await readHead(absolutePath, sniffLength(relativePath));
      // Unreadable: a header goes on as C, for the parser to say why it cannot be read; a file
      // without extension is source only if its first line says so, and nothing could be read.
      const sniffed = head === undefined ? detectLanguage(relativePath) : detectLanguage(relativePath, head);
      if (!sniffed || (languages && !languages.has(sniffed))) return;
      language = sniffed;
    }
    if (size > maxFileSize) {
      yield skip(relativePath, `too large (${formatBytes(size)}, limit ${formatBytes(maxFileSize)})`);
      return;
    }
    yield { type: 'file', file: { absolutePath, relativePath, language, size } };
  }

  /** A link is reported only when what it names would have been walked had it not been a link. */
  async function* visitLink(
    absolutePath: string,
    relativePath: string,
    scopes: IgnoreScope[],
  ): AsyncGenerator<WalkEntry> {
    let real: string;
    let isDirectory: boolean;
    try {
      real = await realpath(absolutePath);
      const info = await stat(real);
      isDirectory = info.isDirectory();
      if (!isDirectory && !info.isFile()) {
        if (wanted(scopes, relativePath) && detectLanguage(relativePath))
          yield skip(relativePath, 'symbolic link to something not a regular file');
        return;
      }
    } catch (error) {
      // Broken or looping: judge it by its name (a name without a source extension may be a directory).
      const byName = languageByName(relativePath);
      const reportable =
        byName && byName !== BY_CONTENT
          ? wanted(scopes, relativePath) !== undefined
          : !excluded(scopes, relativePath, true);
      if (reportable) yield skip(relativePath, describeFsError(error), true);
      return;
    }
    const language = isDirectory ? undefined : wanted(scopes, relativePath);
    if (isDirectory ? excluded(scopes, relativePath, true) : !language) return;
    // A link to a file without extension (`bin/tool -> …`) is source only by its content, which
    // is not read unless the link is followed: not reported.
    const quiet = !isDirectory && detectLanguage(relativePath) === undefined;
    if (!isInside(realRoot, real)) {
      if (quiet) return;
      yield skip(relativePath, 'symbolic link points outside the root (not followed)');
    } else if (!options.followSymlinks) {
      if (quiet) return;
      yield skip(relativePath, 'symbolic link (not followed; see followSymlinks)');
    } else {
      followed.push({
        absolutePath,
        relativePath,
        real,
        isDirectory,
        scopes,
        ...(language ? { language } : {}),
      });
    }
  }

  async function* walkFollowedLink(link: FollowedLink): AsyncGenerator<WalkEntry> {
    if (!link.isDirectory) {
      yield* visitFile(link.absolutePath, link.real, link.relativePath, link.language!);
      return;
    }
    const seenAt = walkedDirectories.get(link.real);
    if (seenAt === undefined) {
      yield* walkDirectory(link.absolutePath, link.real, link.relativePath, link.scopes);
    } else if (isInside(link.real, path.dirname(link.absolutePath))) {
      yield skip(
        link.relativePath,
        `symbolic link to a directory that contains it ('${seenAt}'): a cycle, not followed`,
      );
    } else {
      yield skip(link.relativePath, `symbolic link to a directory already walked ('${seenAt}')`);
    }
  }

  yield* walkDirectory(absoluteRoot, realRoot, '', rootScopes);
  while (followed.length > 0) yield* walkFollowedLink(followed.shift()!);
}
