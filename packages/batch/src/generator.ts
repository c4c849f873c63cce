import { contentKey } from '@codesearch/cache';
import {
  type CodeEntity,
  CodesearchError,
  type Embedder,
  type EmbeddingCache,
  type EmbeddingCacheEntry,
  type EmbeddingModelInfo,
  type EmbedOutcome,
  type LocationKey,
  type TextPreparator,
} from '@codesearch/core';
import { messageOf, prepareWindowTexts, type WindowText } from './prepare.js';
import { buildResult, cacheWarning, type ItemOutcome, type Tally, usableVector, Warnings } from './result.js';
import type {
  BatchEmbeddingOptions,
  BatchEmbeddingResult,
  BatchLogger,
  BatchProgress,
  PreparedItem,
} from './types.js';
import { type Accepted, checkItem, KeyRegistry, locationKey } from './validate.js';

/**
 * Texts per embedder call: also how often progress is reported and a checkpoint can happen.
 * 16 runs as fast as 32 on 2 cores (the embedder still sorts each call's texts by length) and
 * halves the work a kill can lose before the first checkpoint.
 */
export const DEFAULT_BATCH_SIZE = 16;
export const DEFAULT_CHECKPOINT_EVERY = 256;
/** Two seconds: a checkpoint costs milliseconds (journaled cache), a lost run costs minutes. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 2_000;

/** The default logger: a library writes nothing unless asked. */
export const SILENT: BatchLogger = { warn() {}, error() {} };

/** A valid item and how far its windows got. */
interface Item {
  index: number;
  key: LocationKey;
  entity: CodeEntity;
  label: string;
  windows: WindowText[];
  /** Windows still without a vector or an error. */
  pending: number;
  /** Whether the model computed one of its windows for it in this run. */
  embedded: boolean;
  failed: boolean;
}

/** One window of one item. */
interface WindowRef {
  item: Item;
  window: number;
}

/** Windows whose prepared texts are identical: embedded once, shared by all. */
interface Group {
  contentKey: string;
  text: string;
  refs: WindowRef[];
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new CodesearchError(`${name} must be a positive integer, got ${value}`, {
      code: 'INVALID_OPTION',
      stage: 'batch',
    });
  }
  return value;
}

/**
 * Embeds code entities through text preparation, a content-keyed cache and the embedder.
 * Never throws for an item: each failure is an entry in `errors`. Rejects only when the
 * model cannot be described (no model identity, so nothing can be keyed or embedded), when
 * `items` is not an array, or when aborted.
 */
export class BatchEmbeddingGenerator {
  private readonly embedder: Embedder;
  private readonly preparator: TextPreparator;
  private readonly cache: EmbeddingCache | undefined;
  private readonly batchSize: number;
  private readonly checkpointEvery: number;
  private readonly checkpointIntervalMs: number;
  private readonly onProgress: ((progress: BatchProgress) => void) | undefined;
  private readonly logger: BatchLogger;
  private readonly signal: AbortSignal | undefined;
  /** Messages already given to the logger by this generator. */
  private readonly logged = new Set<string>();
  private opened: Promise<{ cache: EmbeddingCache | undefined; warnings: string[] }> | undefined;

  constructor(options: BatchEmbeddingOptions) {
    if (!options?.embedder || !options.textPreparator) {
      throw new CodesearchError('an embedder and a textPreparator are required', {
        code: 'INVALID_OPTION',
        stage: 'batch',
      });
    }
    this.embedder = options.embedder;
    this.preparator = options.textPreparator;
    this.cache = options.cache;
    this.batchSize = positiveInteger('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
    this.checkpointEvery = positiveInteger(
      'checkpointEvery',
      options.checkpointEvery,
      DEFAULT_CHECKPOINT_EVERY,
    );
    this.checkpointIntervalMs = positiveInteger(
      'checkpointIntervalMs',
      options.checkpointIntervalMs,
      DEFAULT_CHECKPOINT_INTERVAL_MS,
    );
    this.onProgress = options.onProgress;
    this.logger = options.logger ?? SILENT;
    this.signal = options.signal;
  }

  /** Functions and methods (`FUNCTION_KINDS`); any other kind here is an invalid item. */
  processFunctions(functions: readonly CodeEntity[]): Promise<BatchEmbeddingResult> {
    return this.run(functions, 'function');
  }

  /** Class-like units (`CLASS_LIKE_KINDS`); any other kind here is an invalid item. */
  processClasses(classes: readonly CodeEntity[]): Promise<BatchEmbeddingResult> {
    return this.run(classes, 'class');
  }

  /** Units of every kind together; anything else (null, garbage, an unknown kind) is an invalid item. */
  processBatch(items: readonly unknown[]): Promise<BatchEmbeddingResult> {
    return this.run(items, 'any');
  }

  /** Opens the cache once per generator; a cache that cannot be opened is not used. */
  private openCache(
    info: EmbeddingModelInfo,
  ): Promise<{ cache: EmbeddingCache | undefined; warnings: string[] }> {
    const cache = this.cache;
    if (!cache) return Promise.resolve({ cache: undefined, warnings: [] });
    this.opened ??= cache.open(info).then(
      (report) => ({ cache, warnings: [...(report?.warnings ?? [])] }),
      (error: unknown) => ({
        cache: undefined,
        warnings: [cacheWarning(cache, 'open', error, 'continuing without the cache')],
      }),
    );
    return this.opened;
  }

  private async run(items: readonly unknown[], accepted: Accepted): Promise<BatchEmbeddingResult> {
    const startedAt = performance.now();
    if (!Array.isArray(items)) {
      throw new CodesearchError(
        `expected an array of code entities, got ${items === null ? 'null' : typeof items}`,
        {
          code: 'INVALID_INPUT',
          stage: 'batch',
        },
      );
    }
    const signal = this.signal;
    signal?.throwIfAborted();
    const info = await this.embedder.describe();
    const warnings = new Warnings(this.logger, this.logged);
    const opened = await this.openCache(info);
    for (const warning of opened.warnings) warnings.add(warning);
    const cache = opened.cache;

    const total = items.length;
    const keys: LocationKey[] = new Array(total);
    const prepared: Array<PreparedItem | null> = new Array(total).fill(null);
    const outcomes: ItemOutcome[] = Array.from({ length: total }, () => ({ vectors: [] }));
    const tally: Tally = { cached: 0, embedded: 0, failed: 0 };
    const progress = (phase: BatchProgress['phase']) =>
      this.onProgress?.({ phase, total, done: tally.cached + tally.embedded + tally.failed, ...tally });
    const fail = (index: number, message: string, level: keyof BatchLogger) => {
      outcomes[index]!.error = message;
      tally.failed++;
      this.logger[level](`[batch] ${message}`);
    };
    /** A window got its vector; the item is done when all its windows are. */
    const resolve = ({ item, window }: WindowRef, vector: ArrayLike<number>, newlyEmbedded: boolean) => {
      outcomes[item.index]!.vectors[window] = vector;
      item.embedded ||= newlyEmbedded;
      if (--item.pending === 0 && !item.failed) tally[item.embedded ? 'embedded' : 'cached']++;
    };
    /** A window failed: its item fails (once), naming the window's lines when it has several. */
    const failWindow = ({ item, window }: WindowRef, cause: string) => {
      item.pending--;
      if (item.failed) return;
      item.failed = true;
      const count = item.windows.length;
      const which =
        count > 1
          ? ` for window ${window + 1} of ${count} (lines ${item.windows[window]!.startLine}-${item.windows[window]!.endLine})`
          : '';
      fail(item.index, `${item.label}: embedding failed${which}: ${cause}`, 'error');
    };

    // 1. Validate, key and prepare every item; group identical texts.
    const registry = new KeyRegistry();
    const groups = new Map<string, Group>();
    for (let index = 0; index < total; index++) {
      const checked = checkItem(items[index], index, accepted);
      const { key, collidedWith } = registry.claim(checked.key);
      keys[index] = key;
      if (collidedWith) {
        warnings.add(`[batch] more than one item at ${collidedWith}: ${checked.label} is keyed ${key}`);
      }
      if (!checked.ok) {
        fail(index, `${checked.label}: invalid input: ${checked.reason}`, 'error');
        continue;
      }
      let windows: WindowText[];
      try {
        windows = prepareWindowTexts(this.preparator, checked.entity);
      } catch (error) {
        fail(index, `${checked.label}: text preparation failed: ${messageOf(error)}`, 'warn');
        continue;
      }
      const item: Item = {
        index,
        key,
        entity: checked.entity,
        label: checked.label,
        windows,
        pending: windows.length,
        embedded: false,
        failed: false,
      };
      outcomes[index]!.vectors = new Array(windows.length).fill(undefined);
      const keyed = windows.map((window, position) => {
        const digest = contentKey({
          modelName: info.modelName,
          modelVersion: info.modelVersion,
          textPrepVersion: this.preparator.version,
          text: window.text,
        });
        const ref: WindowRef = { item, window: position };
        const group = groups.get(digest);
        if (group) group.refs.push(ref);
        else groups.set(digest, { contentKey: digest, text: window.text, refs: [ref] });
        return {
          text: window.text,
          contentKey: digest,
          startLine: window.startLine,
          endLine: window.endLine,
        };
      });
      prepared[index] = {
        text: keyed[0]!.text,
        contentKey: keyed[0]!.contentKey,
        ...(keyed.length > 1 ? { windows: keyed } : {}),
      };
    }

    // 2. One cache lookup for all distinct texts.
    const distinct = [...groups.values()];
    let entries: Array<EmbeddingCacheEntry | undefined> = [];
    if (cache && distinct.length > 0) {
      try {
        entries = await cache.getMany(distinct.map((group) => group.contentKey));
      } catch (error) {
        warnings.add(cacheWarning(cache, 'read', error, 'embedding every text'));
      }
    }
    const misses: Group[] = [];
    distinct.forEach((group, position) => {
      const entry = entries[position];
      const vector = entry ? usableVector(entry.embedding, info.dimensions) : undefined;
      if (entry && !vector) {
        warnings.add(
          `[batch] ignored cache entries in ${cache?.location} that are not ${info.dimensions}-d vectors`,
        );
      }
      if (!vector) {
        misses.push(group);
        return;
      }
      for (const ref of group.refs) resolve(ref, vector, false);
    });
    progress('preparing');

    // 3. Embed the misses chunk by chunk, storing and checkpointing as we go.
    let sinceCheckpoint = 0;
    // From the start of the run, not of the embedding: the model load counts as work at stake,
    // so the first checkpoint comes right after the first chunk of a slow start.
    let lastCheckpoint = startedAt;
    let unflushed = false;
    const checkpoint = async () => {
      sinceCheckpoint = 0;
      lastCheckpoint = performance.now();
      if (!cache || !unflushed) return;
      try {
        await cache.flush();
        unflushed = false;
      } catch (error) {
        // The entries stay in the cache's memory; the next checkpoint tries again.
        warnings.add(cacheWarning(cache, 'checkpoint', error, ''));
      }
    };
    const stopIfAborted = async () => {
      // The model runs on the main thread and its promises resolve as microtasks, which would
      // starve the event loop: without this turn, a SIGINT handler (or a progress bar timer)
      // only runs once the whole batch is done.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!signal?.aborted) return;
      await checkpoint();
      signal.throwIfAborted();
    };

    for (let start = 0; start < misses.length; start += this.batchSize) {
      await stopIfAborted();
      const chunk = misses.slice(start, start + this.batchSize);
      let embedded: EmbedOutcome[] = [];
      let chunkFailure: string | undefined;
      try {
        embedded = await this.embedder.embed(
          chunk.map((group) => group.text),
          signal ? { signal } : {},
        );
      } catch (error) {
        await stopIfAborted();
        chunkFailure = messageOf(error);
      }
      const timestamp = new Date().toISOString();
      const fresh: Array<[string, EmbeddingCacheEntry]> = [];
      chunk.forEach((group, position) => {
        const outcome = embedded[position];
        const vector = outcome?.ok ? usableVector(outcome.vector, info.dimensions) : undefined;
        if (!outcome?.ok || !vector) {
          const cause =
            chunkFailure ??
            (!outcome
              ? 'the embedder returned no outcome for this text'
              : !outcome.ok
                ? messageOf(outcome.error)
                : `the embedder returned ${outcome.vector?.length} values, expected ${info.dimensions}`);
          for (const ref of group.refs) failWindow(ref, cause);
          return;
        }
        // Newly embedded for the first window that has this text; the others reuse its vector.
        group.refs.forEach((ref, position) => {
          resolve(ref, vector, position === 0);
        });
        const first = group.refs[0]!.item;
        fresh.push([
          group.contentKey,
          {
            name: first.entity.qualifiedName || first.entity.name,
            embedding: outcome.vector,
            timestamp,
            modelVersion: info.modelVersion,
            location: locationKey(first.entity),
          },
        ]);
      });
      if (cache && fresh.length > 0) {
        try {
          await cache.setMany(fresh);
          unflushed = true;
        } catch (error) {
          warnings.add(cacheWarning(cache, 'write', error, 'results kept in memory'));
        }
        sinceCheckpoint += fresh.length;
        if (
          sinceCheckpoint >= this.checkpointEvery ||
          performance.now() - lastCheckpoint >= this.checkpointIntervalMs
        ) {
          await checkpoint();
        }
      }
      progress('embedding');
    }
    await checkpoint();
    progress('done');

    return buildResult({
      keys,
      prepared,
      outcomes,
      tally,
      info,
      textPrepVersion: this.preparator.version,
      cacheLocation: cache?.location,
      // A cache that could not be opened saved nothing this run embedded.
      cacheSaved: cache ? !unflushed : this.cache ? tally.embedded === 0 : undefined,
      startedAt,
      warnings: warnings.list,
    });
  }
}
