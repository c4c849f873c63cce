import {
  type CacheOpenReport,
  type EmbeddingCache,
  type EmbeddingCacheEntry,
  type EmbeddingModelInfo,
  sameModel,
} from '@codesearch/core';
import {
  checkKeys,
  checkModel,
  decodeRows,
  defaultWarn,
  type EmbeddingCacheOptions,
  notOpen,
} from './common.js';
import { type StoredEntry, toStoredEntry } from './entry-codec.js';

/** What every open cache knows: the model it was opened for. */
export interface OpenCacheState {
  model: EmbeddingModelInfo;
}

/**
 * The `EmbeddingCache` life cycle shared by the JSON file and the key-value caches: the guard
 * against use before `open()`, model checks (identity by `sameModel`: digest and dimensions),
 * key and entry validation, decoding with its warning, one flush at a time, and `close()` with
 * a final flush. A store implements the hooks: how to open, read, store and write.
 *
 * A base class rather than composed helpers: every piece needs the open state and the flush
 * queue, and the order of the steps (check, hook, count, warn) is the part that must not drift
 * between the stores.
 */
export abstract class BaseEmbeddingCache<State extends OpenCacheState> implements EmbeddingCache {
  readonly specificationVersion = 'v1' as const;
  abstract readonly location: string;
  protected readonly warn: (message: string) => void;
  protected state: State | undefined;
  private queue: Promise<void> = Promise.resolve();

  protected constructor(options: EmbeddingCacheOptions) {
    this.warn = options.onWarning ?? defaultWarn;
  }

  /** Opens the store for `model`; reopening for the same model (by identity) keeps it open. */
  async open(model: EmbeddingModelInfo): Promise<CacheOpenReport> {
    const info = checkModel(model);
    if (this.state) {
      if (sameModel(this.state.model, info)) return this.report(this.state, []);
      await this.close();
    }
    const { state, warnings } = await this.openStore(info);
    this.state = state;
    return this.report(state, warnings);
  }

  async getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>> {
    const state = this.opened('getMany');
    checkKeys(keys);
    if (keys.length === 0) return [];
    const rows = await this.readRows(state, keys);
    const { entries, invalid } = decodeRows(rows, state.model.dimensions);
    if (invalid > 0) {
      this.warn(`[cache] ${this.location}: ${invalid} entries could not be decoded; treated as misses`);
    }
    return entries;
  }

  async setMany(entries: ReadonlyArray<readonly [key: string, entry: EmbeddingCacheEntry]>): Promise<void> {
    const state = this.opened('setMany');
    checkKeys(entries.map(([key]) => key));
    const rows = entries.map(([key, entry]): [string, StoredEntry] => [
      key,
      toStoredEntry(entry, state.model.dimensions),
    ]);
    if (rows.length > 0) await this.storeRows(state, rows);
  }

  /** A checkpoint. Flushes run one at a time per instance (they would only wait for each other's lock). */
  async flush(): Promise<void> {
    const state = this.opened('flush');
    return this.serialized(async () => {
      if (this.dirty(state)) await this.write(state);
    });
  }

  /** Writes what is pending (`finish`), then releases the store. A failed write still closes, then rejects. */
  async close(): Promise<void> {
    const state = this.state;
    if (!state) return;
    try {
      await this.serialized(() => this.finish(state));
    } finally {
      this.state = undefined;
      await this.release(state);
    }
  }

  protected opened(method: string): State {
    if (!this.state) throw notOpen(this.location, method);
    return this.state;
  }

  /** Runs `task` after every flush queued before it; a failure rejects this call only. */
  protected serialized(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** What `close()` writes; by default, what is pending. */
  protected async finish(state: State): Promise<void> {
    if (this.dirty(state)) await this.write(state);
  }

  protected abstract openStore(model: EmbeddingModelInfo): Promise<{ state: State; warnings: string[] }>;
  protected abstract report(state: State, warnings: string[]): CacheOpenReport;
  /** Stored values in key order (`undefined` for misses); decoded and checked by the caller. */
  protected abstract readRows(state: State, keys: readonly string[]): Promise<unknown[]>;
  protected abstract storeRows(state: State, rows: Array<[string, StoredEntry]>): Promise<void>;
  /** Whether `flush()` has something to write. */
  protected abstract dirty(state: State): boolean;
  protected abstract write(state: State): Promise<void>;
  protected abstract release(state: State): Promise<void>;
}
