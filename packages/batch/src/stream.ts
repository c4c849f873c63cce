import path from 'node:path';
import type {
  CodeEntity,
  EmbeddingBatchMetadata,
  EmbeddingBatchSummary,
  LocationKey,
} from '@codesearch/core';
import {
  addParseEvent,
  type DirectoryParseEvent,
  type DirectoryParseResult,
  parseDirectoryStream,
  walkSourceFiles,
} from '@codesearch/parser';
import { type EmbedRepositoryOptions, openPipeline } from './repository.js';
import type { BatchEmbeddingResult, BatchProgress } from './types.js';

/**
 * Units per chunk: how many a streamed run holds at once (with their texts and vectors,
 * ~4 kB each at 384 dimensions). A chunk is whole files, so it can run over by one file.
 */
export const DEFAULT_CHUNK_UNITS = 2_000;

export interface StreamRepositoryOptions extends Omit<EmbedRepositoryOptions, 'onProgress'> {
  /** Units per chunk, in whole files (default `DEFAULT_CHUNK_UNITS`). */
  chunkUnits?: number;
  /** Counts of the whole run so far (see `StreamProgress`), after each embedded batch of each chunk. */
  onProgress?: (progress: StreamProgress) => void;
}

/**
 * Progress of a streamed run. The units of files not parsed yet are unknown: `total` counts
 * the units parsed so far, and `totalFinal` says when every file is parsed. `files` counts
 * files parsed (or skipped) of the source files the walk found (`total` undefined until that
 * cheap first walk is done), so a caller can estimate the units to come.
 */
export interface StreamProgress extends BatchProgress {
  totalFinal: boolean;
  files: { done: number; total?: number };
}

/** One chunk of a streamed run: whole files' units and their results. */
export interface RepositoryChunk {
  /** The chunk's units, in walk order: `result.keys[i]` is the key of `entities[i]`. */
  entities: CodeEntity[];
  /** This chunk's result (`BatchEmbeddingGenerator.processBatch` of `entities`). */
  result: BatchEmbeddingResult;
  /** Root-relative paths of the files whose units are in this chunk (all of each file's units). */
  files: string[];
}

/** What a whole streamed run came to, once every chunk was taken. */
export interface RepositoryStreamOutcome {
  summary: EmbeddingBatchSummary;
  /** Every failed unit's error, by key (failures only: bounded by what went wrong). */
  errors: Record<LocationKey, string>;
  /** The last chunk's metadata, with the whole run's duration. */
  metadata: EmbeddingBatchMetadata;
  warnings: string[];
  /** `false` when any chunk's new embeddings could not be saved; absent without a cache. */
  cacheSaved?: boolean;
  /** The walk and parse (no entities): root, files, skipped, errors, source files, stats. */
  parse: Omit<DirectoryParseResult, 'entities'>;
}

/**
 * A repository run that streams: files are parsed in groups of about `chunkUnits` units, each
 * group is embedded (cache first) and handed to the consumer, and only then is the next one
 * taken, so memory holds one chunk (plus the files the parser reads ahead) whatever the size
 * of the tree. Iterate it once; `outcome` is set after the last chunk.
 *
 * The same guarantees as `embedRepository`: a text is embedded once (within a chunk by
 * grouping, across chunks through the cache; the default text includes the file path, so
 * identical texts only occur within a file, and a file is never split across chunks); one bad
 * file or unit never stops the run; on abort the cache is flushed and iteration rejects with
 * the abort reason (the chunks taken before stay taken).
 */
export class RepositoryStream implements AsyncIterable<RepositoryChunk> {
  readonly #root: string;
  readonly #options: StreamRepositoryOptions;
  #started = false;
  #outcome: RepositoryStreamOutcome | undefined;

  constructor(root: string, options: StreamRepositoryOptions = {}) {
    const chunkUnits = options.chunkUnits ?? DEFAULT_CHUNK_UNITS;
    if (!Number.isInteger(chunkUnits) || chunkUnits < 1) {
      throw new RangeError(`chunkUnits must be a positive integer, got ${chunkUnits}`);
    }
    this.#root = root;
    this.#options = { ...options, chunkUnits };
  }

  /** The run's totals; throws before the stream was iterated to the end. */
  get outcome(): RepositoryStreamOutcome {
    if (!this.#outcome) throw new Error('RepositoryStream: outcome read before the last chunk was taken');
    return this.#outcome;
  }

  [Symbol.asyncIterator](): AsyncIterator<RepositoryChunk> {
    if (this.#started) throw new Error('RepositoryStream: a stream can be iterated once');
    this.#started = true;
    return this.#chunks();
  }

  async *#chunks(): AsyncGenerator<RepositoryChunk> {
    const options = this.#options;
    const chunkUnits = options.chunkUnits!;
    const started = performance.now();
    const parse: Omit<DirectoryParseResult, 'entities'> = {
      root: '',
      files: [],
      skipped: [],
      errors: [],
      sourceFiles: [],
      stats: { filesParsed: 0, entities: 0, lines: 0, bytes: 0, durationMs: 0, byLanguage: {} },
    };
    const files: { done: number; total?: number } = { done: 0 };
    const summary: EmbeddingBatchSummary = { total: 0, success: 0, failed: 0, cached: 0, newlyEmbedded: 0 };
    const errors: Record<LocationKey, string> = {};
    const warnings: string[] = [];
    let metadata: EmbeddingBatchMetadata | undefined;
    let cacheSaved: boolean | undefined;
    let parsingDone = false;

    const events = parseDirectoryStream(this.#root, {
      ...options.parse,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The first event proves the root exists before a cache or model is made.
    const first = await events.next();
    parse.root = path.resolve(this.#root);
    // The total of files, from a walk that reads directories only (no file contents): the ETA
    // of units to come is estimated from it. A failure here costs the estimate, nothing else.
    const counting = countSourceFiles(this.#root, options).then(
      (count) => {
        files.total = count;
      },
      () => {},
    );

    let doneReported = false;
    const report = (progress: BatchProgress) => {
      const phase = progress.phase === 'done' && !parsingDone ? 'embedding' : progress.phase;
      doneReported = phase === 'done';
      options.onProgress?.({
        phase,
        total: summary.total + progress.total,
        done: summary.total + progress.done,
        cached: summary.cached + progress.cached,
        embedded: summary.newlyEmbedded + progress.embedded,
        failed: summary.failed + progress.failed,
        totalFinal: parsingDone,
        files: { ...files },
      });
    };
    const pipeline = openPipeline({ ...options, onProgress: report });
    try {
      let entities: CodeEntity[] = [];
      let chunkFiles: string[] = [];
      const take = (event: DirectoryParseEvent) => {
        options.parse?.onEvent?.(event);
        files.done++;
        const file = addParseEvent(parse, entities, event);
        if (file) chunkFiles.push(file.filePath);
      };
      const embedChunk = async (): Promise<RepositoryChunk> => {
        const result = await pipeline.generator.processBatch(entities);
        const chunk: RepositoryChunk = { entities, result, files: chunkFiles };
        entities = [];
        chunkFiles = [];
        summary.total += result.summary.total;
        summary.success += result.summary.success;
        summary.failed += result.summary.failed;
        summary.cached += result.summary.cached;
        summary.newlyEmbedded += result.summary.newlyEmbedded;
        Object.assign(errors, result.errors);
        for (const warning of result.warnings) if (!warnings.includes(warning)) warnings.push(warning);
        metadata = result.metadata;
        if (result.cacheSaved !== undefined) cacheSaved = (cacheSaved ?? true) && result.cacheSaved;
        return chunk;
      };

      if (!first.done) take(first.value);
      for (;;) {
        if (entities.length < chunkUnits) {
          const next = await events.next();
          if (!next.done) {
            take(next.value);
            continue;
          }
          parsingDone = true;
          await counting;
        }
        // A chunk with no units still runs (once, at the end): the model identity and the
        // empty result come from the generator, as with `embedRepository`.
        if (entities.length > 0 || (parsingDone && metadata === undefined)) yield await embedChunk();
        if (parsingDone && entities.length === 0) break;
      }
      // The last chunk may have been embedded before the parse was seen to end.
      if (!doneReported) report({ phase: 'done', total: 0, done: 0, cached: 0, embedded: 0, failed: 0 });
    } finally {
      await events.return(undefined);
      await pipeline.close();
    }
    parse.stats.durationMs = performance.now() - started;
    const outcome: RepositoryStreamOutcome = {
      summary,
      errors,
      metadata: { ...metadata!, durationMs: Math.round(performance.now() - started) },
      warnings,
      ...(cacheSaved !== undefined ? { cacheSaved } : {}),
      parse,
    };
    pipeline.addLaterWarnings(outcome);
    this.#outcome = outcome;
  }
}

/** A streamed repository run (see `RepositoryStream`): `for await (const chunk of streamRepository(root)) …`. */
export function streamRepository(root: string, options: StreamRepositoryOptions = {}): RepositoryStream {
  return new RepositoryStream(root, options);
}

/** Paths the walk hands to the parser (one parse event each: parsed, refused or failed). */
async function countSourceFiles(root: string, options: StreamRepositoryOptions): Promise<number> {
  let count = 0;
  for await (const _entry of walkSourceFiles(root, { ...options.parse })) {
    options.signal?.throwIfAborted();
    count++;
  }
  return count;
}
