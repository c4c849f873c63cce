import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type EmbeddingModelInfo, type Language, StoreError } from '@codesearch/core';
import type { Connection, Table } from '@lancedb/lancedb';
import { type LanceDbModule, loadLance } from './lance.js';
import { toHit, toRow } from './rows.js';
import { DEFAULT_RRF_K, HYBRID_WEIGHTS, reciprocalRankFusion } from './rrf.js';
import {
  HIT_COLUMNS,
  INDEX_FORMAT,
  type IndexMetadata,
  indexSchema,
  readIndexMetadata,
  SEARCH_TEXT_COLUMN,
  sameModel,
  TABLE_NAME,
  VECTOR_COLUMN,
} from './schema.js';
import { sqlIn } from './sql.js';
import {
  indexCorrupt,
  indexNotFound,
  invalidInput,
  messageOf,
  modelMismatch,
  writeFailed,
} from './store-errors.js';
import { planSync } from './sync-plan.js';
import type {
  CodeIndex,
  IndexRecord,
  IndexStats,
  OpenCodeIndexOptions,
  SearchHit,
  SearchMode,
  SearchOptions,
  SearchQuery,
  SyncReport,
} from './types.js';

export const DEFAULT_K = 10;
/** Hybrid search fetches this many candidates from each list (at least), then fuses. */
export const HYBRID_MIN_DEPTH = 50;
/** …or this many times `k`, whichever is more. */
export const HYBRID_DEPTH_FACTOR = 5;
/**
 * Versions older than this are deleted when the table is optimized. Long enough for a search
 * that started before a sync (another process) to finish reading the version it opened.
 */
export const KEEP_VERSIONS_MS = 10 * 60 * 1000;
const MAX_K = 10_000;
const MODES: readonly SearchMode[] = ['hybrid', 'vector', 'lexical'];

/**
 * Opens (or creates) the index in `directory`. Refuses an index built by another model or of
 * another dimension (`MODEL_MISMATCH`), a missing one when `create` is false
 * (`INDEX_NOT_FOUND`), and one whose files cannot be read (`INDEX_CORRUPT`). Opening reads the
 * key column of every data file, so a damaged table is reported here, not halfway through a sync.
 */
export async function openCodeIndex(directory: string, options: OpenCodeIndexOptions): Promise<CodeIndex> {
  const model = checkModel(options?.model);
  const dir = resolve(directory);
  const tableDir = join(dir, `${TABLE_NAME}.lance`);
  const exists = await stat(tableDir).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw new StoreError(`cannot open the index at ${dir}: ${messageOf(error)}`, {
        code: 'STORE_FAILED',
        directory: dir,
        cause: error,
      });
    },
  );
  if (!exists && options.create === false) throw indexNotFound(dir);

  const { lancedb } = loadLance();
  let db: Connection;
  try {
    if (!exists) await mkdir(dir, { recursive: true });
    // Every read checks for versions written by other processes (a local stat, cheap).
    db = await lancedb.connect(dir, { readConsistencyInterval: 0 });
  } catch (error) {
    throw new StoreError(`cannot open the index at ${dir}: ${messageOf(error)}`, {
      code: 'STORE_FAILED',
      directory: dir,
      cause: error,
    });
  }

  let table: Table | undefined;
  try {
    table = exists ? await openTable(db, dir) : await createTable(db, dir, model);
    const metadata = await checkTable(table, dir, model);
    return new LanceCodeIndex(db, table, dir, model, metadata);
  } catch (error) {
    table?.close();
    db.close();
    throw error;
  }
}

function checkModel(model: EmbeddingModelInfo | undefined): EmbeddingModelInfo {
  if (
    typeof model?.modelName !== 'string' ||
    typeof model.modelVersion !== 'string' ||
    !Number.isInteger(model.dimensions) ||
    model.dimensions <= 0
  ) {
    throw invalidInput('openCodeIndex needs options.model with modelName, modelVersion and dimensions > 0');
  }
  return model;
}

async function openTable(db: Connection, dir: string): Promise<Table> {
  try {
    return await db.openTable(TABLE_NAME);
  } catch (error) {
    throw indexCorrupt(dir, error);
  }
}

async function createTable(db: Connection, dir: string, model: EmbeddingModelInfo): Promise<Table> {
  const { arrow } = loadLance();
  const metadata: IndexMetadata = {
    format: INDEX_FORMAT,
    modelName: model.modelName,
    modelVersion: model.modelVersion,
    dimensions: model.dimensions,
    createdAt: new Date().toISOString(),
  };
  try {
    // existOk: another process that created it first wins; its metadata is checked next.
    return await db.createEmptyTable(TABLE_NAME, indexSchema(arrow, metadata), { existOk: true });
  } catch (error) {
    throw writeFailed(dir, 'create', error);
  }
}

/** Reads the metadata, compares the model, and reads the key column of every data file. */
async function checkTable(table: Table, dir: string, model: EmbeddingModelInfo): Promise<IndexMetadata> {
  let metadata: IndexMetadata | string;
  try {
    const schema = await table.schema();
    metadata = readIndexMetadata(schema.metadata);
    if (typeof metadata !== 'string') {
      const vector = schema.fields.find((field) => field.name === VECTOR_COLUMN);
      const size = (vector?.type as { listSize?: number } | undefined)?.listSize;
      if (size !== metadata.dimensions) {
        metadata = `the vector column holds ${size ?? 'no'} dimensions, the metadata says ${metadata.dimensions}`;
      }
    }
  } catch (error) {
    throw indexCorrupt(dir, error);
  }
  if (typeof metadata === 'string') throw indexCorrupt(dir, metadata);
  if (metadata.format !== INDEX_FORMAT) {
    throw new StoreError(
      `index at ${dir} has format ${metadata.format}, this version reads ${INDEX_FORMAT}; rebuild it with \`codesearch index --rebuild <path>\``,
      { code: 'INDEX_FORMAT', directory: dir },
    );
  }
  if (!sameModel(metadata, model)) throw modelMismatch(dir, metadata, model);
  try {
    await readKeys(table);
  } catch (error) {
    throw indexCorrupt(dir, error);
  }
  return metadata;
}

async function readKeys(table: Table): Promise<Map<string, string>> {
  const rows = await table.query().select(['locationKey', 'contentDigest']).toArray();
  const keys = new Map<string, string>();
  for (const row of rows) keys.set(row.locationKey as string, row.contentDigest as string);
  return keys;
}

class LanceCodeIndex implements CodeIndex {
  readonly directory: string;
  readonly model: EmbeddingModelInfo;
  readonly #db: Connection;
  readonly #table: Table;
  readonly #metadata: IndexMetadata;
  readonly #lancedb: LanceDbModule;
  #closed = false;
  /** Set once the full-text index is known to exist (it is never dropped). */
  #ftsReady = false;
  /** Syncs of this handle run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    db: Connection,
    table: Table,
    directory: string,
    model: EmbeddingModelInfo,
    metadata: IndexMetadata,
  ) {
    this.#db = db;
    this.#table = table;
    this.directory = directory;
    this.model = model;
    this.#metadata = metadata;
    this.#lancedb = loadLance().lancedb;
  }

  sync(records: readonly IndexRecord[]): Promise<SyncReport> {
    const run = this.#queue.then(() => this.#sync(records));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #sync(records: readonly IndexRecord[]): Promise<SyncReport> {
    this.#checkOpen();
    this.#checkRecords(records);
    const existing = await this.#read(() => readKeys(this.#table));
    const plan = planSync(existing, records);
    let written = false;

    if (plan.upserts.length > 0) {
      const { lancedb, arrow } = loadLance();
      const data = lancedb.makeArrowTable(plan.upserts.map(toRow), {
        schema: indexSchema(arrow, this.#metadata),
      });
      if (existing.size === 0) {
        // An empty table: a plain append (about twice as fast as a merge at 10k rows).
        await this.#write('write', () => this.#table.add(data));
      } else {
        // One commit: replace/insert by location key, and delete the keys no record has.
        let merge = this.#table.mergeInsert('locationKey').whenMatchedUpdateAll().whenNotMatchedInsertAll();
        if (plan.deletes.length > 0)
          merge = merge.whenNotMatchedBySourceDelete({ where: sqlIn('locationKey', plan.deletes) });
        await this.#write('write', () => merge.execute(data));
      }
      written = true;
    } else if (plan.deletes.length > 0) {
      await this.#write('delete rows of', () => this.#table.delete(sqlIn('locationKey', plan.deletes)));
      written = true;
    }

    written = (await this.#maintain(written)) || written;
    const version = await this.#read(() => this.#table.version());
    return { ...plan.counts, version, written };
  }

  /**
   * Keeps the full-text index whole: created on the first sync with rows; after a sync that
   * wrote, `optimize()` indexes the new rows (LanceDB searches unindexed rows by brute force,
   * ~50× slower at 5k rows), compacts small fragments and deletes versions older than
   * `KEEP_VERSIONS_MS`. Also repairs a sync interrupted between its write and this step.
   */
  async #maintain(written: boolean): Promise<boolean> {
    const indices = await this.#read(() => this.#table.listIndices());
    const fts = indices.find((index) => index.columns.includes(SEARCH_TEXT_COLUMN));
    this.#ftsReady = fts !== undefined;
    if (!fts) {
      const rows = await this.#read(() => this.#table.countRows());
      if (rows === 0) return false;
      await this.#write('index', () =>
        this.#table.createIndex(SEARCH_TEXT_COLUMN, { config: this.#lancedb.Index.fts(FTS_OPTIONS) }),
      );
      this.#ftsReady = true;
      return true;
    }
    const stale = (fts as { numUnindexedRows?: number }).numUnindexedRows ?? 0;
    if (!written && stale === 0) return false;
    await this.#write('optimize', () =>
      this.#table.optimize({ cleanupOlderThan: new Date(Date.now() - KEEP_VERSIONS_MS) }),
    );
    return true;
  }

  #checkRecords(records: readonly IndexRecord[]): void {
    if (!Array.isArray(records)) throw invalidInput('sync needs an array of records');
    const keys = new Set<string>();
    const dims = this.model.dimensions;
    records.forEach((record, i) => {
      const where = `record ${i}${typeof record?.locationKey === 'string' ? ` (${record.locationKey})` : ''}`;
      if (typeof record !== 'object' || record === null)
        throw invalidInput(`sync: ${where} is not an object`);
      for (const field of [
        'locationKey',
        'filePath',
        'kind',
        'name',
        'qualifiedName',
        'language',
        'text',
      ] as const) {
        if (typeof record[field] !== 'string') throw invalidInput(`sync: ${where} has no ${field}`);
      }
      if (typeof record.contentDigest !== 'string' || record.contentDigest === '') {
        throw invalidInput(`sync: ${where} has no contentDigest`);
      }
      if (!Number.isInteger(record.lineNumber) || !Number.isInteger(record.endLine)) {
        throw invalidInput(`sync: ${where} needs integer lineNumber and endLine`);
      }
      if (keys.has(record.locationKey)) throw invalidInput(`sync: ${where}: location key given twice`);
      keys.add(record.locationKey);
      const vector = record.vector;
      if (!(vector instanceof Float32Array) || vector.length !== dims) {
        throw invalidInput(
          `sync: ${where} needs a Float32Array vector of ${dims} values (${this.model.modelName}), got ${describeVector(vector)}`,
        );
      }
      for (const value of vector) {
        if (!Number.isFinite(value)) throw invalidInput(`sync: ${where} has a vector with ${value}`);
      }
    });
  }

  async search(query: SearchQuery, options: SearchOptions = {}): Promise<SearchHit[]> {
    this.#checkOpen();
    const text = query?.text;
    if (typeof text !== 'string') throw invalidInput('search needs query.text (a string)');
    const k = options.k ?? DEFAULT_K;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K)
      throw invalidInput(`search: k must be an integer in 1..${MAX_K}, got ${k}`);
    const mode = options.mode ?? 'hybrid';
    if (!MODES.includes(mode))
      throw invalidInput(`search: mode must be one of ${MODES.join(', ')}, got ${String(mode)}`);
    const vector = query.vector;
    if (
      vector !== undefined &&
      (!(vector instanceof Float32Array) || vector.length !== this.model.dimensions)
    ) {
      throw invalidInput(
        `search: query.vector must be a Float32Array of ${this.model.dimensions} values (${this.model.modelName}), got ${describeVector(vector)}`,
      );
    }
    if (mode === 'vector' && !vector)
      throw invalidInput(
        'search: vector mode needs query.vector (embed the query text with the index model)',
      );
    const filter = languageFilter(options.languages);

    const depth = mode === 'hybrid' ? Math.max(HYBRID_MIN_DEPTH, HYBRID_DEPTH_FACTOR * k) : k;
    const [vectorRows, lexicalRows] = await Promise.all([
      mode !== 'lexical' && vector ? this.#vectorSearch(vector, depth, filter) : undefined,
      mode !== 'vector' ? this.#lexicalSearch(text, depth, filter) : undefined,
    ]);
    if (mode === 'vector') return vectorRows!.map((row) => toHit(row, 1 - Number(row._distance)));
    if (mode === 'lexical') return lexicalRows!.map((row) => toHit(row, Number(row._score)));

    const weighted = [
      { rows: vectorRows, weight: HYBRID_WEIGHTS[0] },
      { rows: lexicalRows, weight: HYBRID_WEIGHTS[1] },
    ].filter(
      (list): list is { rows: Array<Record<string, unknown>>; weight: 2 | 1 } => list.rows !== undefined,
    );
    const byKey = new Map<string, Record<string, unknown>>();
    for (const { rows } of weighted) for (const row of rows) byKey.set(row.locationKey as string, row);
    const fused = reciprocalRankFusion(
      weighted.map(({ rows }) => rows.map((row) => row.locationKey as string)),
      { k: DEFAULT_RRF_K, weights: weighted.map(({ weight }) => weight) },
    );
    return fused.slice(0, k).map((item) => toHit(byKey.get(item.id)!, item.score));
  }

  async #vectorSearch(vector: Float32Array, limit: number, filter: string | undefined) {
    return this.#read(async () => {
      let query = this.#table
        .query()
        .nearestTo(vector)
        .column(VECTOR_COLUMN)
        .distanceType('cosine')
        .select([...HIT_COLUMNS, '_distance'])
        .limit(limit);
      if (filter) query = query.where(filter);
      return (await query.toArray()) as Record<string, unknown>[];
    });
  }

  async #lexicalSearch(text: string, limit: number, filter: string | undefined) {
    if (text.trim() === '') return [];
    return this.#read(async () => {
      if (!this.#ftsReady) {
        // No full-text index yet: nothing was ever synced into this index (or by another process).
        const indices = await this.#table.listIndices();
        this.#ftsReady = indices.some((index) => index.columns.includes(SEARCH_TEXT_COLUMN));
        if (!this.#ftsReady) return [];
      }
      let query = this.#table
        .query()
        .fullTextSearch(new this.#lancedb.MatchQuery(text, SEARCH_TEXT_COLUMN))
        .select([...HIT_COLUMNS, '_score'])
        .limit(limit);
      if (filter) query = query.where(filter);
      return (await query.toArray()) as Record<string, unknown>[];
    });
  }

  async digests(): Promise<Set<string>> {
    this.#checkOpen();
    const keys = await this.#read(() => readKeys(this.#table));
    return new Set(keys.values());
  }

  async stats(): Promise<IndexStats> {
    this.#checkOpen();
    return this.#read(async () => {
      const rows = await this.#table.query().select(['filePath', 'language']).toArray();
      const files = new Set<string>();
      const languages: Record<string, number> = {};
      for (const row of rows) {
        files.add(row.filePath as string);
        const language = row.language as string;
        languages[language] = (languages[language] ?? 0) + 1;
      }
      const versions = await this.#table.listVersions();
      const latest = versions.reduce((a, b) => (b.version > a.version ? b : a));
      return {
        entities: rows.length,
        files: files.size,
        languages,
        model: { modelName: this.#metadata.modelName, modelVersion: this.#metadata.modelVersion },
        dimensions: this.#metadata.dimensions,
        updatedAt: latest.timestamp.toISOString(),
        createdAt: this.#metadata.createdAt,
        directory: this.directory,
        version: latest.version,
      };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#table.close();
    this.#db.close();
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new StoreError(`index at ${this.directory} is closed`, {
        code: 'INDEX_CLOSED',
        directory: this.directory,
      });
    }
  }

  /** A read that fails on an open table means damaged or vanished files. */
  async #read<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw indexCorrupt(this.directory, error);
    }
  }

  async #write<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw writeFailed(this.directory, what, error);
    }
  }
}

/** Tokenizer of the full-text index: words split on punctuation, lower-cased, English stems, no stop words. */
const FTS_OPTIONS = {
  baseTokenizer: 'simple',
  language: 'English',
  lowercase: true,
  stem: true,
  removeStopWords: true,
  asciiFolding: true,
  withPosition: false,
} as const;

function languageFilter(languages: readonly Language[] | undefined): string | undefined {
  if (languages === undefined) return undefined;
  if (!Array.isArray(languages) || !languages.every((language) => typeof language === 'string')) {
    throw invalidInput('search: languages must be an array of language names');
  }
  return languages.length === 0 ? undefined : sqlIn('language', languages);
}

function describeVector(vector: unknown): string {
  if (vector instanceof Float32Array) return `${vector.length} values`;
  if (Array.isArray(vector)) return `an array of ${vector.length} (convert it with Float32Array.from)`;
  return vector === undefined ? 'none' : typeof vector;
}
