import { createHash } from 'node:crypto';
import type { CacheMetadata, CacheOpenReport, EmbeddingModelInfo } from '@codesearch/core';
import { CacheError, sameModel } from '@codesearch/core';
import type { Keyv } from 'keyv';
import { BaseEmbeddingCache, type OpenCacheState } from './base-cache.js';
import { describeModel, type EmbeddingCacheOptions, errorText, nowIso } from './common.js';
import type { StoredEntry } from './entry-codec.js';

export interface KeyvEmbeddingCacheOptions extends EmbeddingCacheOptions {
  /** For messages and `location`: the store's URL without credentials. Default `keyv`. */
  location?: string;
}

/** The per-model record under `<prefix>meta:<digest>`. */
interface StoredMetadata extends CacheMetadata {
  /** Entries this model's writers added: exact for one writer, may over-count concurrent writers of one entry. */
  entries: number;
}

interface KeyvState extends OpenCacheState {
  keyv: Keyv;
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
 * `<prefix>meta:<digest of version and dimensions>` (the name is a label, not identity).
 * Writes go straight to the store, which is durable by itself; `flush()` updates the metadata.
 */
export class KeyvEmbeddingCache extends BaseEmbeddingCache<KeyvState> {
  readonly location: string;
  private readonly connect: () => Keyv | Promise<Keyv>;
  private readonly prefix: string;
  private lastStoreError: unknown;

  /** `keyv` is used as given, or created by the function at `open()` (after `close()`, again). */
  constructor(keyv: Keyv | (() => Keyv | Promise<Keyv>), options: KeyvEmbeddingCacheOptions = {}) {
    super(options);
    this.connect = typeof keyv === 'function' ? keyv : () => keyv;
    this.location = options.location ?? 'keyv';
    this.prefix = options.keyPrefix ?? 'codesearch:';
  }

  protected async openStore(info: EmbeddingModelInfo): Promise<{ state: KeyvState; warnings: string[] }> {
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
      const state: KeyvState = {
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
      return { state, warnings };
    } catch (error) {
      detach();
      await keyv?.disconnect().catch(() => {});
      throw this.failure('open', error);
    }
  }

  protected async readRows(state: KeyvState, keys: readonly string[]): Promise<unknown[]> {
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
    rows.forEach((row, index) => {
      state.seen.set(keys[index]!, row !== undefined && row !== null);
    });
    return rows;
  }

  protected async storeRows(state: KeyvState, entries: Array<[string, StoredEntry]>): Promise<void> {
    const rows = entries.map(([key, value]) => ({ key: this.entryKey(key), value }));
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

  protected dirty(state: KeyvState): boolean {
    return state.changes !== state.flushed;
  }

  /** Adds the new entries to the stored count; re-read first, as another process may have flushed its own. */
  protected async write(state: KeyvState): Promise<void> {
    const changes = state.changes;
    const added = state.added;
    try {
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

  /** Disconnects the store so the process can exit. */
  protected async release(state: KeyvState): Promise<void> {
    state.detach();
    await state.keyv.disconnect().catch(() => {});
  }

  protected report(state: KeyvState, warnings: string[]): CacheOpenReport {
    const { entries, ...rest } = state.metadata;
    return { metadata: structuredClone(rest), entries, warnings };
  }

  private entryKey(key: string): string {
    return `${this.prefix}embedding:${key}`;
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

/** The model's identity (digest of its files and dimensions), not its name: one record per model. */
function modelDigest(model: EmbeddingModelInfo): string {
  return createHash('sha256')
    .update(JSON.stringify([model.modelVersion, model.dimensions]))
    .digest('hex')
    .slice(0, 16);
}

/** The stored record, with the current name as its label (the name is not identity). */
function parseStoredMetadata(value: unknown, model: EmbeddingModelInfo): StoredMetadata | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (
    typeof record.created !== 'string' ||
    typeof record.updated !== 'string' ||
    typeof record.modelVersion !== 'string' ||
    typeof record.dimensions !== 'number' ||
    !sameModel(record as unknown as EmbeddingModelInfo, model)
  ) {
    return undefined;
  }
  const entries =
    Number.isInteger(record.entries) && (record.entries as number) >= 0 ? (record.entries as number) : 0;
  return { ...identity(model), created: record.created, updated: record.updated, entries };
}
