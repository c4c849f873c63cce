import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheError } from '@codesearch/core';

export const DEFAULT_CACHE_FILE = 'cache.json';

/** `$CODESEARCH_CACHE_DIR`, or `~/.codesearch/embeddings`. */
export function defaultCacheDir(): string {
  const fromEnv = process.env.CODESEARCH_CACHE_DIR;
  return fromEnv ? path.resolve(expandHome(fromEnv)) : path.join(homedir(), '.codesearch', 'embeddings');
}

export type ResolvedLocation =
  | { kind: 'file'; path: string }
  | { kind: 'sqlite'; path: string; display: string }
  | { kind: 'redis'; url: string; display: string };

/**
 * Where a cache lives, decided from the text alone (no disk access):
 * `undefined` → the default file; `sqlite://path`, `redis://…`, `rediss://…`, `file://…`;
 * a path ending in `.json` → that file; any other path → `cache.json` in that directory.
 */
export function resolveLocation(location?: string): ResolvedLocation {
  if (location === undefined || location === '') {
    return { kind: 'file', path: path.join(defaultCacheDir(), DEFAULT_CACHE_FILE) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'file', path: filePath(location) };
  switch (scheme) {
    case 'file':
      return { kind: 'file', path: filePath(fileURLToPath(location)) };
    case 'sqlite': {
      const rest = location.slice('sqlite://'.length);
      if (rest === '') throw new CacheError(`${location}: no database path`, { code: 'INVALID_LOCATION' });
      const file = rest === ':memory:' ? rest : path.resolve(expandHome(rest));
      return { kind: 'sqlite', path: file, display: `sqlite://${file}` };
    }
    case 'redis':
    case 'rediss': {
      let url: URL;
      try {
        url = new URL(location);
      } catch (error) {
        throw new CacheError(`${redact(location)}: not a valid URL`, {
          code: 'INVALID_LOCATION',
          cause: error,
        });
      }
      return { kind: 'redis', url: location, display: redact(url) };
    }
    default:
      throw new CacheError(
        `unknown cache location scheme "${scheme}://" (use a path, sqlite://, redis:// or rediss://)`,
        { code: 'UNKNOWN_SCHEME' },
      );
  }
}

/** The URL without its password, for messages and `location`. */
export function redact(url: URL | string): string {
  if (typeof url === 'string') {
    // Unparseable: drop everything between `//` and `@`.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
  }
  const copy = new URL(url.href);
  copy.password = '';
  return copy.href;
}

function filePath(location: string): string {
  const resolved = path.resolve(expandHome(location));
  return resolved.toLowerCase().endsWith('.json') ? resolved : path.join(resolved, DEFAULT_CACHE_FILE);
}

/**
 * For a file location: the path as given (absolute, `~` and `file://` resolved), before
 * `cache.json` is appended to a path not ending in `.json`. `undefined` for SQLite and Redis.
 */
export function givenFilePath(location: string | undefined): string | undefined {
  const resolved = resolveLocation(location);
  if (resolved.kind !== 'file' || location === undefined || location === '') return undefined;
  const text = /^file:\/\//i.test(location) ? fileURLToPath(location) : location;
  return path.resolve(expandHome(text));
}

function expandHome(location: string): string {
  return location === '~' || location.startsWith('~/') ? path.join(homedir(), location.slice(1)) : location;
}
