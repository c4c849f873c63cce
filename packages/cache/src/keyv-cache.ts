import { createHash } from 'node:crypto';
import type {
  CacheMetadata,
  CacheOpenReport,
  EmbeddingCache,
  EmbeddingCacheEntry,
  EmbeddingModelInfo,
} from '@codesearch/core';
import { CacheError } from '@codesearch/core';
import type { Keyv } from 'keyv';
import {
  checkKeys,
  checkModel,
  decodeRows,
  defaultWarn,
  describeModel,
  type EmbeddingCacheOptions,
  errorText,
  notOpen,
  nowIso,
  sameModel,
} from './common.js';
import { toStoredEntry } from './entry-codec.js';

export interface KeyvEmbeddingCacheOptions extends EmbeddingCacheOptions {
  /** For messages and `location`: the store's URL without credentials. Default `keyv`. */
  location?: string;
}

/** The per-model record under `<prefix>meta:<digest>`. */
interface StoredMetadata extends CacheMetadata {
  /** Entries this model's writers added: exact for one writer, may over-count concurrent writers of one entry. */
  entries: number;
}

interface OpenState {
  keyv: Keyv;
  model: EmbeddingModelInfo;
  metaKey: string;
  metadata: StoredMetadata;
  /** Whether a content key is in the store, as last seen by getMany or written: to count new entries. */
  seen: Map<string, boolean>;
  /** New entries not yet counted in the stored metadata. */
  added: number;
  /** Counts changes; the metadata reflects everything up to `flushed`. */
  changes: number;
  flushed: number;
  detach: () => void;
}

/**
 * An `EmbeddingCache` over any Keyv instance (SQLite, Redis, Postgres, …). Entries live under
 * `<prefix>embedding:<contentKey>`; content keys already include the model identity, so
 * several models can share one store. Each model's metadata lives under
 * `<prefix>meta:<digest of name, version, dimensions>`. Writes go straight to the store,
 * which is durable by itself; `flush()` updates the metadata.
 */
export class KeyvEmbeddingCache implements EmbeddingCache {
  readonly specificationVersion = 'v1' as const;
  readonly location: string;
  private readonly connect: () => Keyv | Promise<Keyv>;
  private readonly prefix: string;
  private readonly warn: (message: string) => void;
  private state: OpenState | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private lastStoreError: unknown;

  /** `keyv` is used as given, or created by the function at `open()` (after `close()`, again). */
  constructor(keyv: Keyv | (() => Keyv | Promise<Keyv>), options: KeyvEmbeddingCacheOptions = {}) {
    this.connect = typeof keyv === 'function' ? keyv : () => keyv;
    this.location = options.location ?? 'keyv';
    this.prefix = options.keyPrefix ?? 'codesearch:';
    this.warn = options.onWarning ?? defaultWarn;
  }

  async open(model: EmbeddingModelInfo): Promise<CacheOpenReport> {
    const info = checkModel(model);
    if (this.state) {
      if (sameModel(this.state.model, info)) return this.report([]);
      await this.close();
    }
    let keyv: Keyv | undefined;
    let detach = () => {};
    try {
      keyv = await this.connect();
      // Otherwise Keyv turns store failures into misses and `false`, and flush() could not reject.
      keyv.throwOnErrors = true;
      const onError = (error: unknown) => {
        this.lastStoreError = error;
      };
      keyv.on('error', onError);
      detach = () => keyv?.off('error', onError);
      const metaKey = `${this.prefix}meta:${modelDigest(info)}`;
      const warnings: string[] = [];
      const stored = await keyv.get<unknown>(metaKey);
      let metadata = parseStoredMetadata(stored, info);
      if (stored !== undefined && !metadata) {
        warnings.push(
          `[cache] ${this.location}: metadata for ${describeModel(info)} was malformed; starting it anew`,
        );
      }
      const changes = metadata ? 0 : 1;
      const now = nowIso();
      metadata ??= { ...identity(info), created: now, updated: now, entries: 0 };
      this.state = {
        keyv,
        model: info,
        metaKey,
        metadata,
        seen: new Map(),
        added: 0,
        changes,
        flushed: 0,
        detach,
      };
      return this.report(warnings);
    } catch (error) {
      detach();
      await keyv?.disconnect().catch(() => {});
      if (CacheError.isInstance(error)) throw error;
      throw this.failure('open', error);
    }
  }

  async getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>> {
    const state = this.opened('getMany');
    checkKeys(keys);
    if (keys.length === 0) return [];
    let rows: unknown[];
    try {
      const storeKeys = keys.map((key) => this.entryKey(key));
      // Without a store-level getMany, Keyv reads key by key and turns failures into misses.
      rows =
        typeof (state.keyv.store as { getMany?: unknown }).getMany === 'function'
          ? await state.keyv.getMany<unknown>(storeKeys)
          : await Promise.all(storeKeys.map((key) => state.keyv.get<unknown>(key)));
    } catch (error) {
      throw this.failure('read', error);
    }
    const { entries, invalid } = decodeRows(rows, state.model.dimensions);
    rows.forEach((row, index) => {
      state.seen.set(keys[index]!, row !== undefined && row !== null);
    });
    if (invalid > 0) {
      this.warn(`[cache] ${this.location}: ${invalid} entries could not be decoded; treated as misses`);
    }
    return entries;
  }

  async setMany(entries: ReadonlyArray<readonly [key: string, entry: EmbeddingCacheEntry]>): Promise<void> {
    const state = this.opened('setMany');
    checkKeys(entries.map(([key]) => key));
    const rows = entries.map(([key, entry]) => ({
      key: this.entryKey(key),
      value: toStoredEntry(entry, state.model.dimensions),
    }));
    if (rows.length === 0) return;
    try {
      // Only keys getMany never saw cost a lookup: the batch pipeline writes what getMany missed.
      const distinct = [...new Set(entries.map(([key]) => key))];
      const unknown = distinct.filter((key) => !state.seen.has(key));
      const found = unknown.length ? await state.keyv.hasMany(unknown.map((key) => this.entryKey(key))) : [];
      unknown.forEach((key, index) => {
        state.seen.set(key, found[index] === true);
      });
      const results: unknown = await state.keyv.setMany(rows);
      if (Array.isArray(results) && results.some((ok) => ok === false)) {
        throw new Error(`the store refused ${results.filter((ok) => ok === false).length} entries`);
      }
      for (const key of distinct) {
        if (!state.seen.get(key)) state.added++;
        state.seen.set(key, true);
      }
      state.changes++;
    } catch (error) {
      throw this.failure('write', error);
    }
  }

  /** One at a time per instance, so that no count is added twice. */
  async flush(): Promise<void> {
    const state = this.opened('flush');
    const run = this.flushing.then(() => this.flushNow(state));
    this.flushing = run.catch(() => {});
    return run;
  }

  private async flushNow(state: OpenState): Promise<void> {
    if (state.changes === state.flushed) return;
    const changes = state.changes;
    const added = state.added;
    try {
      // Re-read: another process may have flushed its own count since.
      const current = parseStoredMetadata(await state.keyv.get<unknown>(state.metaKey), state.model);
      const base = current ?? state.metadata;
      const next: StoredMetadata = { ...base, updated: nowIso(), entries: base.entries + added };
      const ok: unknown = await state.keyv.set(state.metaKey, next);
      if (ok === false) throw new Error('the store refused the metadata');
      state.metadata = next;
      state.added -= added;
      state.flushed = changes;
    } catch (error) {
      throw this.failure('write', error);
    }
  }

  /** Flushes the metadata, then disconnects the store so the process can exit. */
  async close(): Promise<void> {
    const state = this.state;
    if (!state) return;
    try {
      if (state.changes !== state.flushed) await this.flush();
    } finally {
      this.state = undefined;
      state.detach();
      await state.keyv.disconnect().catch(() => {});
    }
  }

  private entryKey(key: string): string {
    return `${this.prefix}embedding:${key}`;
  }

  private report(warnings: string[]): CacheOpenReport {
    const { metadata } = this.state!;
    const { entries, ...rest } = metadata;
    return { metadata: structuredClone(rest), entries, warnings };
  }

  private opened(method: string): OpenState {
    if (!this.state) throw notOpen(this.location, method);
    return this.state;
  }

  private failure(action: 'open' | 'read' | 'write', error: unknown): CacheError {
    if (CacheError.isInstance(error)) return error;
    // Adapters often throw a generic "not connected" and emit the real cause as an event.
    const cause = this.lastStoreError;
    this.lastStoreError = undefined;
    const detail =
      cause !== undefined && cause !== error ? `${errorText(error)} (${errorText(cause)})` : errorText(error);
    const verb = action === 'open' ? 'cannot open' : action === 'read' ? 'cannot read' : 'cannot write';
    return new CacheError(`${verb} ${this.location}: ${detail}`, {
      code: action === 'open' ? 'OPEN_FAILED' : action === 'read' ? 'READ_FAILED' : 'WRITE_FAILED',
      cause: error,
    });
  }
}

function identity(
  model: EmbeddingModelInfo,
): Pick<CacheMetadata, 'modelName' | 'modelVersion' | 'dimensions'> {
  return { modelName: model.modelName, modelVersion: model.modelVersion, dimensions: model.dimensions };
}

function modelDigest(model: EmbeddingModelInfo): string {
  return createHash('sha256')
    .update(JSON.stringify([model.modelName, model.modelVersion, model.dimensions]))
    .digest('hex')
    .slice(0, 16);
}

function parseStoredMetadata(value: unknown, model: EmbeddingModelInfo): StoredMetadata | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (
    typeof record.created !== 'string' ||
    typeof record.updated !== 'string' ||
    !sameModel(record as unknown as EmbeddingModelInfo, model)
  ) {
    return undefined;
  }
  const entries =
    Number.isInteger(record.entries) && (record.entries as number) >= 0 ? (record.entries as number) : 0;
  return { ...identity(model), created: record.created, updated: record.updated, entries };
}
