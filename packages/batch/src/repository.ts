import { createEmbeddingCache } from '@codesearch/cache';
import type { CodeEntity, Embedder, EmbeddingCache, TextPreparator } from '@codesearch/core';
import { createTransformersEmbedder, type TransformersEmbedderOptions } from '@codesearch/embedder';
import {
  type DirectoryParseEvent,
  type DirectoryParseResult,
  type ParseDirectoryOptions,
  parseDirectory,
} from '@codesearch/parser';
import { createTextPreparator } from '@codesearch/text-prep';
import { BatchEmbeddingGenerator, SILENT } from './generator.js';
import { messageOf } from './prepare.js';
import { type PriorVectors, PriorVectorsCache } from './prior-vectors.js';
import { cacheWarning, Warnings } from './result.js';
import type { BatchEmbeddingOptions, BatchEmbeddingResult, BatchLogger } from './types.js';

/** Options for the directory walk and parse; the signal comes from `EmbedRepositoryOptions`. */
export type RepositoryParseOptions = Omit<ParseDirectoryOptions, 'signal'> & {
  onEvent?: (event: DirectoryParseEvent) => void;
};

export interface EmbedRepositoryOptions
  extends Pick<
    BatchEmbeddingOptions,
    'batchSize' | 'checkpointEvery' | 'checkpointIntervalMs' | 'onProgress' | 'logger' | 'signal'
  > {
  /** Default: `createTransformersEmbedder({ model, modelsDir, batchSize: modelBatchSize, fetchModel })`. */
  embedder?: Embedder;
  model?: string;
  modelsDir?: string;
  /** Texts per model run, for the default embedder. */
  modelBatchSize?: number;
  /** `int8` (default) or `fp32`, for the default embedder. */
  modelPrecision?: TransformersEmbedderOptions['precision'];
  /** onnxruntime threads, for the default embedder (default: the embedder's). */
  modelThreads?: number;
  fetchModel?: TransformersEmbedderOptions['fetchModel'];
  /** Default: `createTextPreparator()`. */
  textPreparator?: TextPreparator;
  /** A cache, a location for `createEmbeddingCache`, `undefined` for the default cache, `false` for none. */
  cache?: EmbeddingCache | string | false;
  /**
   * Vectors computed before and kept elsewhere (an existing index), read for what the cache lacks:
   * text embedded by an earlier run is never embedded again, even when the cache lost it.
   */
  priorVectors?: PriorVectors;
  parse?: RepositoryParseOptions;
}

export interface RepositoryEmbedding {
  result: BatchEmbeddingResult;
  /** The parsed entities, in walk order: `result.keys[i]` is the key of `entities[i]`. */
  entities: CodeEntity[];
  /** The rest of `parseDirectory`'s result: root, files, skipped paths, per-file errors, stats. */
  parse: Omit<DirectoryParseResult, 'entities'>;
}

/**
 * Parses `root`, then embeds every entity found. The embedder and cache made here are
 * closed here; ones passed in are left open for the caller. Files that cannot be parsed are
 * listed in `parse.errors` and do not stop the run. Rejects when `root` does not exist, when
 * the model cannot be described, or when aborted.
 */
export async function embedRepository(
  root: string,
  options: EmbedRepositoryOptions = {},
): Promise<RepositoryEmbedding> {
  const { entities, ...parse } = await parseDirectory(root, {
    ...options.parse,
    ...(options.signal ? { signal: options.signal } : {}),
  });

  const pipeline = openPipeline(options);
  let result: BatchEmbeddingResult | undefined;
  try {
    result = await pipeline.generator.processBatch(entities);
  } finally {
    await pipeline.close();
  }
  pipeline.addLaterWarnings(result);
  return { result, entities, parse };
}

/** The generator of a repository run, and what it made for itself (closed by `close()`). */
export interface RepositoryPipeline {
  generator: BatchEmbeddingGenerator;
  /** Closes the cache and disposes the embedder made here; ones passed in are left open. */
  close(): Promise<void>;
  /** Adds the warnings of our own cache and of cleanup (raised after open) to a result's. */
  addLaterWarnings(result: { warnings: string[] }): void;
}

/**
 * Makes the cache (unless given), the embedder (unless given) and the generator of a run.
 * Called only after the root is known to exist, so that a bad root leaves nothing to clean up.
 */
export function openPipeline(options: EmbedRepositoryOptions): RepositoryPipeline {
  let ownCache: EmbeddingCache | undefined;
  let ownEmbedder: Embedder | undefined;
  // What was said, shared with the generator: a cache failure reported at a checkpoint is not
  // reported again when the cache is closed.
  const logger = sayEachWarningOnce(options.logger ?? SILENT);
  // Warnings of our own cache after open() and of cleanup: they join the result's.
  const laterWarnings = new Warnings(logger, new Set());
  const warn = (message: string) => laterWarnings.add(message);
  const close = async () => {
    // Close even when the run failed, so the last checkpoint is on disk and the model released.
    if (ownCache) {
      try {
        await ownCache.close();
      } catch (error) {
        warn(cacheWarning(ownCache, 'close', error, ''));
      }
    }
    try {
      await ownEmbedder?.dispose?.();
    } catch (error) {
      warn(`[embedder] dispose failed: ${messageOf(error)}`);
    }
  };
  try {
    if (typeof options.cache === 'string' || options.cache === undefined) {
      ownCache = createEmbeddingCache(options.cache, { onWarning: warn });
    }
    const userCache = options.cache === false ? undefined : (ownCache ?? (options.cache as EmbeddingCache));
    // The prior vectors come first; the user's cache is closed below (or by the caller), not by it.
    const cache = options.priorVectors
      ? new PriorVectorsCache(options.priorVectors, userCache, { ownsNext: false })
      : userCache;
    ownEmbedder = options.embedder
      ? undefined
      : createTransformersEmbedder({
          model: options.model,
          modelsDir: options.modelsDir,
          batchSize: options.modelBatchSize,
          precision: options.modelPrecision,
          threads: options.modelThreads,
          fetchModel: options.fetchModel,
        });
    const generator = new BatchEmbeddingGenerator({
      embedder: (options.embedder ?? ownEmbedder)!,
      textPreparator: options.textPreparator ?? createTextPreparator(),
      ...(cache ? { cache } : {}),
      batchSize: options.batchSize,
      checkpointEvery: options.checkpointEvery,
      checkpointIntervalMs: options.checkpointIntervalMs,
      onProgress: options.onProgress,
      logger,
      signal: options.signal,
    });
    return {
      generator,
      close,
      addLaterWarnings(result) {
        for (const warning of laterWarnings.list) {
          if (!result.warnings.includes(warning)) result.warnings.push(warning);
        }
      },
    };
  } catch (error) {
    // An invalid option (batch size, cache location): nothing made here stays open.
    void close();
    throw error;
  }
}

function sayEachWarningOnce(logger: BatchLogger): BatchLogger {
  const said = new Set<string>();
  return {
    warn: (message) => {
      if (said.has(message)) return;
      said.add(message);
      logger.warn(message);
    },
    error: (message) => logger.error(message),
  };
}
