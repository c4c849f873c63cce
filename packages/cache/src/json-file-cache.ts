import { access, constants, mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type {
  CacheMetadata,
  CacheOpenReport,
  EmbeddingCache,
  EmbeddingCacheEntry,
  EmbeddingModelInfo,
} from '@codesearch/core';
import { CacheError } from '@codesearch/core';
import {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_LOCK_WAIT_MS,
  removeOrphanTemps,
  withFileLock,
  writeFileAtomic,
} from '@codesearch/fs';
import { Keyv } from 'keyv';
import {
  type CacheFileRead,
  type FileSignature,
  readCacheFile,
  sameSignature,
  serializeCacheFile,
  signatureOf,
} from './cache-file.js';
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
import { EmbeddingFileStore } from './file-store.js';
import { DEFAULT_CACHE_FILE } from './location.js';

interface OpenState {
  model: EmbeddingModelInfo;
  metadata: CacheMetadata;
  store: EmbeddingFileStore;
  keyv: Keyv;
  /** The file as we last read or wrote it; another signature means another process wrote. */
  known: FileSignature | undefined;
  /** Counts changes; the file holds everything up to `written`. A flush may run while entries are added. */
  changes: number;
  written: number;
}

type Replaced = NonNullable<CacheMetadata['replaced']>;
/** A file that exists, usable or not. */
type Present = Exclude<CacheFileRead, { kind: 'missing' }>;

/**
 * The default cache: one JSON file (see the README for its format) read at `open()` and
 * written only by `flush()` — atomically, under a cross-process lock, merged with whatever
 * other processes wrote since. A file it cannot parse, or written by another model, is moved
 * aside, never overwritten.
 */
export class JsonFileEmbeddingCache implements EmbeddingCache {
  readonly specificationVersion = 'v1' as const;
  private file: string;
  private readonly options: EmbeddingCacheOptions;
  private readonly warn: (message: string) => void;
  private state: OpenState | undefined;
  private flushing: Promise<void> = Promise.resolve();

  /** `file` is the cache file itself (`…/cache.json`); nothing is read until `open()`. */
  constructor(file: string, options: EmbeddingCacheOptions = {}) {
    this.file = path.resolve(file);
    this.options = options;
    this.warn = options.onWarning ?? defaultWarn;
  }

  get location(): string {
    return this.file;
  }

  async open(model: EmbeddingModelInfo): Promise<CacheOpenReport> {
    const info = checkModel(model);
    if (this.state) {
      if (sameModel(this.state.model, info)) return this.report([]);
      await this.close();
    }
    await this.useDirectoryIfGiven();
    const warnings: string[] = [];
    const now = nowIso();
    let metadata: CacheMetadata = {
      modelName: info.modelName,
      modelVersion: info.modelVersion,
      dimensions: info.dimensions,
      created: now,
      updated: now,
    };
    let read = await readCacheFile(this.file);
    if (!usable(read, info)) {
      const first = read as Present;
      try {
        // Re-read under the lock: another process may have just replaced the file.
        read = await this.locked(async () => {
          const again = await readCacheFile(this.file);
          if (usable(again, info)) return again;
          const moved = await this.moveAside(again as Present, info);
          warnings.push(moved.message);
          if (moved.replaced) metadata.replaced = moved.replaced;
          return { kind: 'missing' } as const;
        });
      } catch (error) {
        warnings.push(
          `[cache] ${this.file}: ${problem(first, info)}; could not move it aside (${errorText(error)}), ` +
            'so it is left untouched and this run starts with an empty cache',
        );
        read = { kind: 'missing' };
      }
    }
    const store = new EmbeddingFileStore(this.file);
    let known: FileSignature | undefined;
    if (read.kind === 'ok') {
      metadata = read.content.metadata;
      store.addMissing(read.content.embeddings);
      known = read.signature;
      if (read.content.invalid > 0) {
        warnings.push(
          `[cache] ${this.file}: ignored ${read.content.invalid} malformed entries (not ${info.dimensions}-d vectors)`,
        );
      }
    }
    this.state = {
      model: info,
      metadata,
      store,
      keyv: new Keyv({
        store,
        namespace: undefined,
        useKeyPrefix: false,
        // Rows stay objects in memory; the file format is written by `flush()`.
        serialize: undefined,
        deserialize: undefined,
        throwOnErrors: true,
      }),
      known,
      // A new or replaced cache is written at the first flush, even if empty.
      changes: read.kind !== 'ok' || read.content.invalid > 0 ? 1 : 0,
      written: 0,
    };
    return this.report(warnings);
  }

  async getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>> {
    const state = this.opened('getMany');
    checkKeys(keys);
    const rows = await state.keyv.getMany<unknown>([...keys]);
    const { entries, invalid } = decodeRows(rows, state.model.dimensions);
    if (invalid > 0) {
      this.warn(`[cache] ${this.file}: ${invalid} entries could not be decoded; treated as misses`);
    }
    return entries;
  }

  async setMany(entries: ReadonlyArray<readonly [key: string, entry: EmbeddingCacheEntry]>): Promise<void> {
    const state = this.opened('setMany');
    checkKeys(entries.map(([key]) => key));
    const rows = entries.map(([key, entry]) => ({
      key,
      value: toStoredEntry(entry, state.model.dimensions),
    }));
    if (rows.length === 0) return;
    await state.keyv.setMany(rows);
    state.changes++;
  }

  /** Flushes run one at a time per instance (they would only wait for each other's lock). */
  async flush(): Promise<void> {
    const state = this.opened('flush');
    const run = this.flushing.then(() => this.flushNow(state));
    this.flushing = run.catch(() => {});
    return run;
  }

  private async flushNow(state: OpenState): Promise<void> {
    if (state.changes === state.written) return;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await this.locked(async () => {
        await removeOrphanTemps(this.file);
        const current = await stat(this.file).then(signatureOf, (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        });
        let present = current !== undefined;
        if (current && !sameSignature(current, state.known)) {
          const read = await readCacheFile(this.file);
          if (read.kind === 'ok' && sameModel(read.content.metadata, state.model)) {
            // Union with what other processes wrote since we last looked.
            state.store.addMissing(read.content.embeddings);
            if (read.content.metadata.created < state.metadata.created) {
              state.metadata.created = read.content.metadata.created;
            }
            state.metadata.replaced ??= read.content.metadata.replaced;
          } else if (read.kind !== 'missing') {
            const moved = await this.moveAside(read, state.model);
            this.warn(moved.message);
            if (moved.replaced) state.metadata.replaced = moved.replaced;
            present = false;
          }
        }
        // Renaming over the file would succeed anyway; a read-only cache file means "keep out".
        if (present) {
          await access(this.file, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error; // deleted meanwhile: nothing to protect
          });
        }
        state.metadata.updated = nowIso();
        const changes = state.changes;
        await writeFileAtomic(this.file, serializeCacheFile(state.metadata, state.store.records()));
        state.known = signatureOf(await stat(this.file));
        state.written = changes;
      });
    } catch (error) {
      throw new CacheError(`cannot write ${this.file}: ${errorText(error)} (in-memory entries kept)`, {
        code: 'WRITE_FAILED',
        cause: error,
      });
    }
  }

  /** Flushes what is pending, then forgets the entries. A failed flush still closes, then rejects. */
  async close(): Promise<void> {
    const state = this.state;
    if (!state) return;
    try {
      if (state.changes !== state.written) await this.flush();
    } finally {
      this.state = undefined;
      await state.keyv.disconnect();
    }
  }

  private report(warnings: string[]): CacheOpenReport {
    const state = this.state!;
    return { metadata: structuredClone(state.metadata), entries: state.store.size, warnings };
  }

  private opened(method: string): OpenState {
    if (!this.state) throw notOpen(this.file, method);
    return this.state;
  }

  /** A `.json` path that turns out to be a directory holds the default file name. */
  private async useDirectoryIfGiven(): Promise<void> {
    const stats = await stat(this.file).catch(() => undefined);
    if (stats?.isDirectory()) this.file = path.join(this.file, DEFAULT_CACHE_FILE);
  }

  private locked<T>(task: () => Promise<T>): Promise<T> {
    return withFileLock(
      this.file,
      {
        staleMs: this.options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS,
        waitMs: this.options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
        onCompromised: (error) =>
          this.warn(`[cache] lost the lock on ${this.file} while writing (${error.message})`),
      },
      task,
    );
  }

  /** Renames an unusable file to a name that says why; never over an existing file. */
  private async moveAside(
    read: Present,
    model: EmbeddingModelInfo,
  ): Promise<{ message: string; replaced?: Replaced }> {
    const at = nowIso();
    const stamp = at.replace(/[:.]/g, '-');
    if (read.kind === 'corrupt') {
      const target = await this.freeName(`${this.file}.corrupt-${stamp}`);
      await rename(this.file, target);
      return {
        message: `[cache] ${this.file} could not be used (${read.reason}); moved it to ${target} and started an empty cache`,
      };
    }
    const old = read.content.metadata;
    const version = old.modelVersion.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 12) || 'unknown';
    const target = await this.freeName(`${this.file}.model-${version}-${stamp}`);
    await rename(this.file, target);
    const entries = read.content.embeddings.size;
    return {
      message:
        `[cache] ${this.file} was written by ${describeModel(old)}; now using ${describeModel(model)}. ` +
        `Its ${entries} entries are not used; moved it to ${target}`,
      replaced: {
        modelName: old.modelName,
        modelVersion: old.modelVersion,
        dimensions: old.dimensions,
        entries,
        movedTo: target,
        at,
      },
    };
  }

  private async freeName(base: string): Promise<string> {
    for (let n = 0; ; n++) {
      const candidate = n === 0 ? base : `${base}-${n}`;
      const taken = await access(candidate).then(
        () => true,
        () => false,
      );
      if (!taken) return candidate;
    }
  }
}

function usable(read: CacheFileRead, model: EmbeddingModelInfo): boolean {
  return read.kind === 'missing' || (read.kind === 'ok' && sameModel(read.content.metadata, model));
}

function problem(read: Present, model: EmbeddingModelInfo): string {
  return read.kind === 'corrupt'
    ? `cannot be used (${read.reason})`
    : `was written by ${describeModel(read.content.metadata)}, not ${describeModel(model)}`;
}
