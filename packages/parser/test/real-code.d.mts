import type { Language } from '@codesearch/core';

/** A pinned archive of real code (test/real-code/<id>.json). */
export interface RealCodeSource {
  /** The file's name without `.json`: `kotlinx-coroutines`. */
  id: string;
  language: Language;
  /** Where it comes from: `maven`, `pypi`, `npm`, `crates`, `go`, `debian`. */
  registry: string;
  package: string;
  version: string;
  url: string;
  sha256: string;
  /** `zip` (jars, wheels, Go module zips), `tar` (any compression tar reads), `deb` (a binary package). */
  format: 'zip' | 'tar' | 'deb';
  /** The directory inside the archive that holds the code (default: the archive's top). */
  root?: string;
}

/** `$CODESEARCH_BENCH_CACHE/real-code` (default ~/.cache/codesearch-bench/real-code): shared with the bench. */
export function realCodeCacheDir(): string;
/** Every pinned source (test/real-code/*.json), sorted by id. */
export function realCodeSources(): RealCodeSource[];
export function realCodeSource(id: string): RealCodeSource;
/** Downloads and extracts a source once (sha256 checked); returns the absolute path of its code root. */
export function fetchRealCode(idOrSource: string | RealCodeSource): Promise<string>;
/**
 * Downloads a pinned archive into `directory` once (sha256 checked, extracted, marked done);
 * returns the absolute path of its `root`. `log` hears about a download, not a cache hit.
 */
export function fetchArchive(
  source: Pick<RealCodeSource, 'id' | 'url' | 'sha256' | 'format' | 'root'> & { version?: string },
  directory: string,
  log?: (message: string) => void,
): Promise<string>;
