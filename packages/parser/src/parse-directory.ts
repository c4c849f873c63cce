import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { type CodeEntity, type Language, ParseError } from '@codesearch/core';
import { type ParseFileOptions, parseFile, SKIP_CODES } from './parse-file.js';
import type { ParsedFile } from './parse-source.js';
import {
  type SkippedPath,
  type SourceFile,
  type WalkEntry,
  type WalkOptions,
  walkSourceFiles,
} from './walk.js';
import { ParseWorkerPool, workersAvailable } from './worker-pool.js';

export interface ParseDirectoryOptions extends WalkOptions {
  /** Skip files whose header marks them as generated (default true). */
  skipGenerated?: boolean;
  /** Parser threads (default: one per core, at most 8; 1 parses on the calling thread). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** One step of a directory parse, in walk order. */
export type DirectoryParseEvent = (
  | { type: 'file'; file: ParsedFile }
  | { type: 'skipped'; skipped: SkippedPath }
  | { type: 'error'; error: ParseError }
) & {
  /** Set when the walk handed this path to the parser (its POSIX path relative to the root). */
  sourceFile?: string;
};

export interface LanguageStats {
  files: number;
  entities: number;
}

export interface DirectoryParseStats {
  filesParsed: number;
  entities: number;
  lines: number;
  bytes: number;
  durationMs: number;
  byLanguage: Partial<Record<Language, LanguageStats>>;
}

export interface DirectoryParseResult {
  root: string;
  entities: CodeEntity[];
  /** Files parsed, with their warnings (syntax errors). */
  files: Array<Omit<ParsedFile, 'entities'> & { entities: number }>;
  /** Paths passed over on purpose (too large, binary, generated, symbolic links). */
  skipped: SkippedPath[];
  /** Paths that could not be read or parsed, each naming the cause. */
  errors: ParseError[];
  /**
   * Every file the walk handed to the parser (POSIX, relative to `root`), in walk order:
   * the parsed ones and those the parser refused (binary, generated) or failed on.
   */
  sourceFiles: string[];
  stats: DirectoryParseStats;
}

// Below this many files, threads cost more to start than they save.
const MIN_FILES_FOR_THREADS = 24;

function defaultConcurrency(): number {
  return Math.min(availableParallelism(), 8);
}

/**
 * Parses every source file under `root` (or `root` itself when it is a file), yielding one
 * event per file in walk order. A bad file becomes an `error` event; the walk goes on.
 * Files are parsed on `concurrency` threads (default: one per core).
 */
export async function* parseDirectoryStream(
  root: string,
  options: ParseDirectoryOptions = {},
): AsyncGenerator<DirectoryParseEvent> {
  const absoluteRoot = path.resolve(root);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(absoluteRoot);
  } catch (error) {
    throw new ParseError(root, 'no such file or directory', { code: 'ROOT_NOT_FOUND', cause: error });
  }
  const fileOptions = (language?: Language, fileRoot = absoluteRoot): ParseFileOptions => ({
    root: fileRoot,
    ...(language ? { language } : {}),
    ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
    skipGenerated: options.skipGenerated ?? true,
  });
  if (info.isFile()) {
    const fileRoot = path.dirname(absoluteRoot);
    const event = await settle(
      parseFile(absoluteRoot, fileOptions(undefined, fileRoot)),
      absoluteRoot,
      fileRoot,
    );
    yield { ...event, sourceFile: path.basename(absoluteRoot) };
    return;
  }

  const threads = workersAvailable ? (options.concurrency ?? defaultConcurrency()) : 1;
  const walk = walkSourceFiles(absoluteRoot, options);
  // Look ahead before starting threads: a small tree parses faster on this thread.
  const head: WalkEntry[] = [];
  let headFiles = 0;
  while (headFiles < MIN_FILES_FOR_THREADS) {
    const next = await walk.next();
    if (next.done) break;
    head.push(next.value);
    if (next.value.type === 'file') headFiles++;
  }
  const pool = threads > 1 && headFiles >= MIN_FILES_FOR_THREADS ? new ParseWorkerPool(threads) : undefined;
  const parse = (file: SourceFile): Promise<DirectoryParseEvent> => {
    const parsed = pool
      ? pool.parse(file.absolutePath, fileOptions(file.language))
      : parseFile(file.absolutePath, fileOptions(file.language));
    return settle(parsed, file.absolutePath, absoluteRoot).then((event) => ({
      ...event,
      sourceFile: file.relativePath,
    }));
  };
  async function* entries(): AsyncGenerator<WalkEntry> {
    yield* head;
    yield* walk;
  }

  // Events wait here until their turn, so the output order is the walk order.
  const pending: Array<Promise<DirectoryParseEvent>> = [];
  const maxInFlight = threads * 4;
  try {
    for await (const entry of entries()) {
      options.signal?.throwIfAborted();
      pending.push(
        entry.type === 'skipped' ? Promise.resolve(skippedEvent(entry.skipped)) : parse(entry.file),
      );
      while (pending.length > maxInFlight) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await pool?.close();
  }
}

function skippedEvent(skipped: SkippedPath): DirectoryParseEvent {
  if (!skipped.error) return { type: 'skipped', skipped };
  return {
    type: 'error',
    error: new ParseError(skipped.relativePath, skipped.reason, { code: 'UNREADABLE' }),
  };
}

/** Turns a parse outcome into an event: policy refusals are `skipped`, the rest `error`. */
async function settle(
  parsed: Promise<ParsedFile>,
  absolutePath: string,
  root: string,
): Promise<DirectoryParseEvent> {
  try {
    return { type: 'file', file: await parsed };
  } catch (error) {
    const parseError = ParseError.isInstance(error)
      ? error
      : new ParseError(path.relative(root, absolutePath).split(path.sep).join('/'), String(error), {
          cause: error,
        });
    if (SKIP_CODES.has(parseError.code)) {
      return {
        type: 'skipped',
        skipped: { relativePath: parseError.filePath, reason: parseError.reason, error: false },
      };
    }
    return { type: 'error', error: parseError };
  }
}

/**
 * Adds one event of `parseDirectoryStream` to a result being gathered: the file list, skips,
 * errors and stats; a parsed file's entities go to `entities` (the result's own, or a caller's
 * chunk). Returns the parsed file (without its entities) when the event is one.
 */
export function addParseEvent(
  result: Omit<DirectoryParseResult, 'entities'>,
  entities: CodeEntity[],
  event: DirectoryParseEvent,
): Omit<ParsedFile, 'entities'> | undefined {
  if (event.sourceFile !== undefined) result.sourceFiles.push(event.sourceFile);
  if (event.type === 'skipped') result.skipped.push(event.skipped);
  else if (event.type === 'error') result.errors.push(event.error);
  else {
    const { entities: found, ...file } = event.file;
    for (const entity of found) entities.push(entity);
    result.files.push({ ...file, entities: found.length });
    const stats = result.stats;
    stats.filesParsed++;
    stats.entities += found.length;
    stats.lines += file.lines;
    stats.bytes += file.bytes;
    const perLanguage = stats.byLanguage[file.language] ?? { files: 0, entities: 0 };
    stats.byLanguage[file.language] = perLanguage;
    perLanguage.files++;
    perLanguage.entities += found.length;
    return file;
  }
  return undefined;
}

/** Parses a whole tree into one result. See `parseDirectoryStream` for the per-file events. */
export async function parseDirectory(
  root: string,
  options: ParseDirectoryOptions & { onEvent?: (event: DirectoryParseEvent) => void } = {},
): Promise<DirectoryParseResult> {
  const started = performance.now();
  const result: DirectoryParseResult = {
    root: path.resolve(root),
    entities: [],
    files: [],
    skipped: [],
    errors: [],
    sourceFiles: [],
    stats: { filesParsed: 0, entities: 0, lines: 0, bytes: 0, durationMs: 0, byLanguage: {} },
  };
  for await (const event of parseDirectoryStream(root, options)) {
    options.onEvent?.(event);
    addParseEvent(result, result.entities, event);
  }
  result.stats.durationMs = performance.now() - started;
  return result;
}
