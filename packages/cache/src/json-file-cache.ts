import { access, constants, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CacheMetadata, CacheOpenReport, EmbeddingModelInfo } from '@codesearch/core';
import { CacheError, sameModel } from '@codesearch/core';
import {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_LOCK_WAIT_MS,
  ensureDirectory,
  removeOrphanTemps,
  withFileLock,
  writeFileAtomic,
} from '@codesearch/fs';
import { Keyv } from 'keyv';
import { BaseEmbeddingCache, type OpenCacheState } from './base-cache.js';
import {
  type CacheFileRead,
  type FileSignature,
  readCacheFile,
  sameSignature,
  serializeCacheFile,
  signatureOf,
} from './cache-file.js';
import { describeModel, type EmbeddingCacheOptions, errorText, failureText, nowIso } from './common.js';
import type { StoredEntry } from './entry-codec.js';
import { EmbeddingFileStore } from './file-store.js';
import {
  appendToJournal,
  entriesRecord,
  type FileIdentity,
  headerRecord,
  type JournalContent,
  type JournalRead,
  journalFile,
  journalProblem,
  readJournal,
} from './journal.js';
import { DEFAULT_CACHE_FILE } from './location.js';
import { fileStamp, moveAside, versionLabel } from './move-aside.js';

/**
 * The journal is folded into the file once it would exceed this share of the file's size. At
 * 0.5 a checkpoint appends only its own entries, and each rewrite of N entries follows at least
 * N/2 appended ones, so rewriting costs O(1) per entry on average; replaying the journal at open
 * costs at most half of reading the file again.
 */
export const DEFAULT_COMPACT_RATIO = 0.5;

interface FileState extends OpenCacheState {
  metadata: CacheMetadata;
  store: EmbeddingFileStore;
  keyv: Keyv;
  /** cache.json as last read or written by this instance (another signature: another writer). */
  base: { signature: FileSignature; created: string } | undefined;
  /** The journal, applied up to `end`; `undefined` when there is none (or it is not ours to append to). */
  journal: (FileIdentity & { end: number }) | undefined;
  /** Entries set since the last flush: what the next checkpoint appends. */
  pending: Map<string, StoredEntry>;
  /** cache.json must be rewritten at the next flush: new, replaced, malformed entries dropped, damaged journal. */
  rewrite: boolean;
  /** The journal failed its check part-way: once its good part is in cache.json it is moved aside, not removed. */
  damagedJournal: boolean;
}

type Replaced = NonNullable<CacheMetadata['replaced']>;
/** A file that exists, usable or not. */
type Present = Exclude<CacheFileRead, { kind: 'missing' }>;

/** cache.json and its journal, read together. */
interface Snapshot {
  base: CacheFileRead;
  journal: JournalRead;
}

/**
 * The default cache: one JSON file (see the README for its format) and its append-only journal.
 * `open()` reads the file, then replays the journal; `flush()` appends the entries added since
 * the last flush to the journal (under a cross-process lock, after reading what other processes
 * appended), and rewrites the file atomically — folding the journal in — when the journal grows
 * past `compactRatio` of the file, and at `close()`. A file or journal it cannot use, or written
 * by another model, is moved aside, never overwritten.
 */
export class JsonFileEmbeddingCache extends BaseEmbeddingCache<FileState> {
  private file: string;
  private readonly options: EmbeddingCacheOptions;
  private readonly compactRatio: number;

  /** `file` is the cache file itself (`…/cache.json`); nothing is read until `open()`. */
  constructor(file: string, options: EmbeddingCacheOptions = {}) {
    super(options);
    this.file = path.resolve(file);
    this.options = options;
    const ratio = options.compactRatio ?? DEFAULT_COMPACT_RATIO;
    if (!(ratio >= 0)) {
      throw new CacheError(`compactRatio must be a number ≥ 0, got ${ratio}`, { code: 'INVALID_OPTION' });
    }
    this.compactRatio = ratio;
  }

  get location(): string {
    return this.file;
  }

  private get journalPath(): string {
    return journalFile(this.file);
  }

  protected async openStore(info: EmbeddingModelInfo): Promise<{ state: FileState; warnings: string[] }> {
    await this.useDirectoryIfGiven();
    // A directory that cannot be made is said now, before a run embeds anything it could not keep.
    await ensureDirectory(path.dirname(this.file), 'the embedding cache').catch((error: unknown) => {
      throw new CacheError(failureText('open', this.file, error), { code: 'OPEN_FAILED', cause: error });
    });
    const warnings: string[] = [];
    let replaced: Replaced | undefined;
    let snapshot = await this.readSnapshot(info);
    if (needsAttention(snapshot, info)) {
      const first = snapshot;
      try {
        // Under the lock: another process may be replacing the file or appending right now.
        snapshot = await this.locked(async () => {
          const again = await this.readSnapshot(info);
          const settled = await this.setAsideUnusable(again, info, warnings);
          replaced = settled.replaced;
          return settled.snapshot;
        });
      } catch (error) {
        for (const [what, file, problem] of unusableParts(first, info, this.file)) {
          warnings.push(
            `[cache] ${file}: ${problem}; could not move it aside (${errorText(error)}), ` +
              `so it is left untouched and this run ${what === 'file' ? 'starts with an empty cache' : 'does not use it'}`,
          );
        }
        snapshot = usablePart(first, info);
      }
    }
    const now = nowIso();
    const store = new EmbeddingFileStore(this.file);
    const state: FileState = {
      model: info,
      metadata: {
        modelName: info.modelName,
        modelVersion: info.modelVersion,
        dimensions: info.dimensions,
        created: now,
        updated: now,
        ...(replaced ? { replaced } : {}),
      },
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
      base: undefined,
      journal: undefined,
      pending: new Map(),
      // A new or replaced cache file is written at the first flush, even if empty.
      rewrite: true,
      damagedJournal: false,
    };
    const { base, journal } = snapshot;
    if (base.kind === 'ok') {
      // The label stays the one the file was created with; identity is digest + dimensions.
      state.metadata = base.content.metadata;
      store.addMissing(base.content.embeddings);
      state.base = { signature: base.signature, created: base.content.metadata.created };
      state.rewrite = base.content.invalid > 0;
      if (base.content.invalid > 0) {
        warnings.push(
          `[cache] ${this.file}: ignored ${base.content.invalid} malformed entries (not ${info.dimensions}-d vectors)`,
        );
      }
    }
    if (journal.kind === 'ok') {
      const message = this.applyJournal(state, journal.identity, journal.content);
      if (message) warnings.push(message);
    }
    return { state, warnings };
  }

  protected report(state: FileState, warnings: string[]): CacheOpenReport {
    return { metadata: structuredClone(state.metadata), entries: state.store.size, warnings };
  }

  protected async readRows(state: FileState, keys: readonly string[]): Promise<unknown[]> {
    return state.keyv.getMany<unknown>([...keys]);
  }

  protected async storeRows(state: FileState, rows: Array<[string, StoredEntry]>): Promise<void> {
    await state.keyv.setMany(rows.map(([key, value]) => ({ key, value })));
    for (const [key, value] of rows) state.pending.set(key, value);
  }

  protected dirty(state: FileState): boolean {
    return state.pending.size > 0 || state.rewrite;
  }

  protected write(state: FileState): Promise<void> {
    return this.checkpoint(state, false);
  }

  /** Writes what is pending and folds the journal into cache.json, so that the file alone holds everything. */
  protected override async finish(state: FileState): Promise<void> {
    if (this.dirty(state)) {
      await this.checkpoint(state, true);
      return;
    }
    const journal = await stat(this.journalPath).catch(() => undefined);
    if (!journal) return;
    // Nothing of ours is pending: a fold that fails loses nothing (the journal replays), so it only warns.
    await this.checkpoint(state, true).catch((error: unknown) => {
      const cause = (error as Error).cause ?? error;
      this.warn(
        `[cache] could not fold ${this.journalPath} into the cache file (${failureText('write', this.file, cause)}); it is kept and replayed`,
      );
    });
  }

  protected async release(state: FileState): Promise<void> {
    await state.keyv.disconnect();
  }

  /**
   * One checkpoint under the lock: catch up with what other processes wrote, then append the
   * pending entries to the journal, or rewrite cache.json with everything (`fold`, a new or
   * damaged file, or a journal grown past `compactRatio`).
   */
  private async checkpoint(state: FileState, fold: boolean): Promise<void> {
    try {
      await ensureDirectory(path.dirname(this.file), 'the embedding cache');
      await this.locked(async () => {
        await removeOrphanTemps(this.file);
        const baseSize = await this.catchUp(state);
        // Renaming over the file would succeed anyway; a read-only cache file means "keep out".
        if (baseSize !== undefined) {
          await access(this.file, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error; // deleted meanwhile: nothing to protect
          });
        }
        const batch = state.pending;
        state.pending = new Map();
        try {
          const record = batch.size > 0 ? entriesRecord(batch) : undefined;
          const journalBytes = (state.journal?.end ?? 0) + (record?.length ?? 0);
          const compact =
            fold ||
            state.rewrite ||
            state.base === undefined ||
            baseSize === undefined ||
            journalBytes > this.compactRatio * baseSize;
          if (compact) await this.compact(state);
          else if (record) await this.append(state, record);
        } catch (error) {
          // Not written: pending again, unless set anew meanwhile.
          for (const [key, value] of batch) if (!state.pending.has(key)) state.pending.set(key, value);
          throw error;
        }
      });
    } catch (error) {
      throw new CacheError(`${failureText('write', this.file, error)} (in-memory entries kept)`, {
        code: 'WRITE_FAILED',
        cause: error,
      });
    }
  }

  /**
   * Reads what other processes wrote since this instance last looked: cache.json again if it was
   * replaced (then the journal from its start), else the journal from the offset already
   * applied (a torn append after it is cut off by the next append). Moves aside what cannot be
   * used. Returns cache.json's size, or `undefined` when there is none to append to.
   */
  private async catchUp(state: FileState): Promise<number | undefined> {
    const current = await stat(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (current && !current.isFile()) throw new Error('it is not a regular file (left untouched)');
    const signature = current && signatureOf(current);
    const baseChanged = !sameSignature(signature, state.base?.signature);
    if (!current) {
      state.base = undefined;
    } else if (baseChanged) {
      state.base = undefined;
      const read = await readCacheFile(this.file);
      if (read.kind === 'ok' && sameModel(read.content.metadata, state.model)) {
        // Union with what other processes wrote since we last looked.
        state.store.addMissing(read.content.embeddings);
        // The file on disk names its generation (a journal continues the file with this
        // `created`) and keeps the label it was created with.
        state.metadata.created = read.content.metadata.created;
        state.metadata.modelName = read.content.metadata.modelName;
        state.metadata.replaced ??= read.content.metadata.replaced;
        state.base = { signature: read.signature, created: read.content.metadata.created };
        if (read.content.invalid > 0) state.rewrite = true;
      } else if (read.kind !== 'missing') {
        const moved = await this.moveFileAside(read, state.model);
        this.warn(moved.message);
        if (moved.replaced) state.metadata.replaced = moved.replaced;
      }
    }

    const journal = await stat(this.journalPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!journal) {
      state.journal = undefined;
      state.damagedJournal = false;
    } else if (!journal.isFile()) {
      throw new Error(`${this.journalPath} is not a regular file; left untouched`);
    } else {
      const known = state.journal;
      const continues =
        !baseChanged &&
        known !== undefined &&
        known.dev === journal.dev &&
        known.ino === journal.ino &&
        journal.size >= known.end;
      const read = await readJournal(this.journalPath, continues ? known.end : 0, state.model.dimensions);
      // Read from its start: whatever was known of a journal before is about another file.
      if (!continues) state.damagedJournal = false;
      const problem = continues ? undefined : journalProblem(read, state.base, state.model);
      if (problem) {
        const target = await moveAside(this.journalPath, problem.suffix);
        this.warn(`[cache] ${this.journalPath} ${problem.text}; not applied, moved it to ${target}`);
        state.journal = undefined;
      } else if (read.kind === 'ok') {
        if (!continues) state.journal = undefined;
        const message = this.applyJournal(state, read.identity, read.content);
        if (message) this.warn(message);
      } else if (read.kind === 'missing') {
        state.journal = undefined;
      } else {
        throw new Error(`${this.journalPath}: ${read.reason}`);
      }
    }
    return state.base ? current?.size : undefined;
  }

  /** Adds the journal's entries; remembers how far it was read. Returns a warning, if any. */
  private applyJournal(
    state: FileState,
    identity: FileIdentity,
    content: JournalContent,
  ): string | undefined {
    state.store.addMissing(content.entries);
    state.journal = { ...identity, end: content.end };
    if (content.invalid > 0) state.rewrite = true;
    if (!content.damaged) return undefined;
    const known = state.damagedJournal;
    state.damagedJournal = true;
    state.rewrite = true;
    if (known) return undefined; // warned when first read
    return `[cache] ${this.journalPath}: ${content.damaged}; the entries after it are ignored (the journal will be moved aside)`;
  }

  private async append(state: FileState, record: Buffer): Promise<void> {
    const keep = state.journal?.end ?? 0;
    // A new (or empty) journal starts with the header naming the model and the file it continues.
    const records = keep > 0 ? [record] : [headerRecord(state.model, state.base!.created), record];
    const written = await appendToJournal(this.journalPath, records, keep);
    state.journal = written;
  }

  /**
   * Rewrites cache.json with every entry, then retires the journal — in that order, so that a
   * crash in between leaves entries in both, which replay harmlessly.
   */
  private async compact(state: FileState): Promise<void> {
    state.metadata.updated = nowIso();
    await writeFileAtomic(this.file, serializeCacheFile(state.metadata, state.store.records()));
    state.base = { signature: signatureOf(await stat(this.file)), created: state.metadata.created };
    state.rewrite = false;
    state.journal = undefined;
    try {
      if (state.damagedJournal) {
        const target = await moveAside(this.journalPath, `corrupt-${fileStamp(nowIso())}`);
        this.warn(`[cache] moved the damaged journal to ${target}; its readable entries are in ${this.file}`);
      } else {
        await rm(this.journalPath, { force: true });
      }
      state.damagedJournal = false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        state.damagedJournal = false;
        return;
      }
      // Everything is in cache.json; the journal replays harmlessly, but must not be appended to.
      state.rewrite = true;
      this.warn(
        `[cache] cannot remove ${this.journalPath} (${errorText(error)}); the next flush rewrites ${this.file}`,
      );
    }
  }

  /**
   * cache.json, then the journal, then cache.json's signature again: when the file was not
   * replaced meanwhile, the journal read continues it (compaction replaces the file before it
   * removes the journal). A few retries, then whatever was read (the lock path re-reads anyway).
   */
  private async readSnapshot(model: EmbeddingModelInfo): Promise<Snapshot> {
    let snapshot: Snapshot | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const base = await readCacheFile(this.file);
      const journal = await readJournal(this.journalPath, 0, model.dimensions);
      snapshot = { base, journal };
      const after = await stat(this.file).then(signatureOf, () => undefined);
      const before = base.kind === 'ok' ? base.signature : undefined;
      if ((before === undefined && after === undefined) || sameSignature(before, after)) return snapshot;
    }
    return snapshot!;
  }

  /** Moves aside the file and the journal when they cannot be used; returns what remains. */
  private async setAsideUnusable(
    snapshot: Snapshot,
    model: EmbeddingModelInfo,
    warnings: string[],
  ): Promise<{ snapshot: Snapshot; replaced?: Replaced }> {
    let { base, journal } = snapshot;
    let replaced: Replaced | undefined;
    if (base.kind === 'corrupt' && base.special) {
      // A FIFO or device is never read, moved or replaced; flush() refuses to write there.
      warnings.push(
        `[cache] ${this.file} is not a regular file; left untouched, and this run starts with an empty cache`,
      );
      base = { kind: 'missing' };
    } else if (base.kind !== 'missing' && !usable(base, model)) {
      const moved = await this.moveFileAside(base, model);
      warnings.push(moved.message);
      replaced = moved.replaced;
      base = { kind: 'missing' };
      // Switching back (int8 → fp32 → int8): this model's own file, set aside by the earlier
      // switch, comes back, so its vectors are not computed twice. Only on a switch: a file
      // the user deleted (or `cache clear`ed) is not brought back from an older one.
      const restored = await this.restoreSetAside(model);
      if (restored) {
        warnings.push(restored.message);
        base = restored.read;
      }
    }
    const problem = journalProblem(journal, base.kind === 'ok' ? base.content.metadata : undefined, model);
    if (journal.kind === 'unusable' && journal.special) {
      warnings.push(`[cache] ${this.journalPath} is not a regular file; left untouched and not used`);
      journal = { kind: 'missing' };
    } else if (problem) {
      const target = await moveAside(this.journalPath, problem.suffix);
      warnings.push(`[cache] ${this.journalPath} ${problem.text}; not applied, moved it to ${target}`);
      journal = { kind: 'missing' };
    }
    return { snapshot: { base, journal }, ...(replaced ? { replaced } : {}) };
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

  /**
   * The newest file `moveFileAside` set aside for `model` that is still whole, renamed back to
   * the cache file (which must be free); undefined when there is none.
   */
  private async restoreSetAside(
    model: EmbeddingModelInfo,
  ): Promise<{ read: CacheFileRead; message: string } | undefined> {
    const prefix = `${path.basename(this.file)}.model-${versionLabel(model.modelVersion)}-`;
    const names = await readdir(path.dirname(this.file)).catch(() => [] as string[]);
    // Names end in an ISO time stamp: the last in order is the newest.
    for (const name of names
      .filter((entry) => entry.startsWith(prefix))
      .sort()
      .reverse()) {
      const candidate = path.join(path.dirname(this.file), name);
      const read = await readCacheFile(candidate);
      if (read.kind !== 'ok' || !sameModel(read.content.metadata, model)) continue;
      // A rename keeps the file's signature (device, inode, size, mtime): the read stands.
      await rename(candidate, this.file);
      const entries = read.content.embeddings.size;
      return {
        read,
        message: `[cache] restored ${candidate} (${entries} entries of ${describeModel(model)}, set aside by an earlier switch) as ${this.file}`,
      };
    }
    return undefined;
  }

  /** Renames an unusable cache file to a name that says why; never over an existing file. */
  private async moveFileAside(
    read: Present,
    model: EmbeddingModelInfo,
  ): Promise<{ message: string; replaced?: Replaced }> {
    const at = nowIso();
    if (read.kind === 'corrupt') {
      if (read.special) throw new Error(`${this.file} is not a regular file; left untouched`);
      const target = await moveAside(this.file, `corrupt-${fileStamp(at)}`);
      return {
        message: `[cache] ${this.file} could not be used (${read.reason}); moved it to ${target} and started an empty cache`,
      };
    }
    const old = read.content.metadata;
    const target = await moveAside(this.file, `model-${versionLabel(old.modelVersion)}-${fileStamp(at)}`);
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
}

function usable(read: CacheFileRead, model: EmbeddingModelInfo): boolean {
  return read.kind === 'missing' || (read.kind === 'ok' && sameModel(read.content.metadata, model));
}

/** Whether opening must take the lock to move something aside. */
function needsAttention(snapshot: Snapshot, model: EmbeddingModelInfo): boolean {
  const { base, journal } = snapshot;
  if (!usable(base, model)) return true;
  return journalProblem(journal, base.kind === 'ok' ? base.content.metadata : undefined, model) !== undefined;
}

/** The unusable parts of a snapshot, for the warning when they cannot be moved aside. */
function unusableParts(
  snapshot: Snapshot,
  model: EmbeddingModelInfo,
  file: string,
): Array<['file' | 'journal', string, string]> {
  const parts: Array<['file' | 'journal', string, string]> = [];
  const { base, journal } = snapshot;
  if (base.kind === 'corrupt') parts.push(['file', file, `cannot be used (${base.reason})`]);
  else if (base.kind === 'ok' && !sameModel(base.content.metadata, model)) {
    parts.push([
      'file',
      file,
      `was written by ${describeModel(base.content.metadata)}, not ${describeModel(model)}`,
    ]);
  }
  const problem = journalProblem(journal, base.kind === 'ok' ? base.content.metadata : undefined, model);
  if (problem) parts.push(['journal', journalFile(file), problem.text]);
  return parts;
}

/** What can be used when the unusable parts could not be moved aside: they are ignored. */
function usablePart(snapshot: Snapshot, model: EmbeddingModelInfo): Snapshot {
  const base = usable(snapshot.base, model) ? snapshot.base : ({ kind: 'missing' } as const);
  const journal =
    base.kind === 'ok' && !journalProblem(snapshot.journal, base.content.metadata, model)
      ? snapshot.journal
      : ({ kind: 'missing' } as const);
  return { base, journal };
}
