import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type EmbeddingModelInfo, sameModel } from '@codesearch/core';
import type { Connection, Table } from '@lancedb/lancedb';
import { annPartitionsOf } from './ann.js';
import { loadLance } from './lance.js';
import { TABLE_NAME } from './layout.js';
import { INDEX_FORMAT, type IndexMetadata, indexSchema, readIndexMetadata, VECTOR_COLUMN } from './schema.js';
import { type Hints, indexCorrupt, indexFormat, modelMismatch } from './store-errors.js';

/**
 * One generation of an index, open: `<dir>/<name>/code.lance` through a LanceDB connection of
 * its own. A handle keeps the generation the marker names; when the marker moves on, the old
 * one is retired and closed once no read uses it any more.
 */
export class Generation {
  /** Set once the full-text index is known to exist (it is never dropped). */
  ftsReady = false;
  /**
   * The partitions its ANN index was trained with (`ann.json`), read by the first vector search
   * rather than by every one; forgotten when a sync may have retrained it (`forgetAnnIndex`).
   */
  #annPartitions: Promise<number> | undefined;
  #users = 0;
  #retired = false;
  #closed = false;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly db: Connection,
    readonly table: Table,
    readonly metadata: IndexMetadata,
  ) {}

  annPartitions(): Promise<number> {
    this.#annPartitions ??= annPartitionsOf(this.path);
    return this.#annPartitions;
  }

  /** A sync (this handle's, or another process's: its marker moved) may have retrained the ANN index. */
  forgetAnnIndex(): void {
    this.#annPartitions = undefined;
  }

  /** Runs `operation` on this generation; a retired generation is closed after its last user. */
  async use<T>(operation: (generation: Generation) => Promise<T>): Promise<T> {
    this.#users++;
    try {
      return await operation(this);
    } finally {
      this.#users--;
      if (this.#retired && this.#users === 0) this.#close();
    }
  }

  /** No new reads will come; closes now, or after the reads in flight. */
  retire(): void {
    this.#retired = true;
    if (this.#users === 0) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.table.close();
    this.db.close();
  }
}

/**
 * Opens the generation `name` of the index in `directory` and checks it: the metadata, the
 * model (`sameModel`) and the key column of every data file (a damaged table is reported here,
 * not halfway through a sync). Failures are `StoreError`s naming `directory`.
 */
export async function openGeneration(
  directory: string,
  name: string,
  model: EmbeddingModelInfo,
  hints: Hints,
): Promise<Generation> {
  const path = join(directory, name);
  const { lancedb } = loadLance();
  const exists = await stat(join(path, `${TABLE_NAME}.lance`)).then(
    () => true,
    () => false,
  );
  if (!exists) {
    throw indexCorrupt(directory, `codesearch-index.json names ${name}, which holds no table`, hints);
  }
  let db: Connection | undefined;
  let table: Table | undefined;
  try {
    // Every read checks for versions written by other processes (a local stat, cheap).
    db = await lancedb.connect(path, { readConsistencyInterval: 0 });
    table = await db.openTable(TABLE_NAME);
  } catch (error) {
    table?.close();
    db?.close();
    throw indexCorrupt(directory, error, hints);
  }
  try {
    const metadata = await checkTable(table, directory, model, hints);
    return new Generation(name, path, db, table, metadata);
  } catch (error) {
    table.close();
    db.close();
    throw error;
  }
}

/** Creates the directory and the empty table of a new generation. Errors are thrown as they are. */
export async function createGeneration(
  directory: string,
  name: string,
  model: EmbeddingModelInfo,
): Promise<Generation> {
  const { lancedb, arrow } = loadLance();
  const path = join(directory, name);
  const metadata: IndexMetadata = {
    format: INDEX_FORMAT,
    modelName: model.modelName,
    modelVersion: model.modelVersion,
    dimensions: model.dimensions,
    createdAt: new Date().toISOString(),
  };
  // The index directory exists (the caller made sure): never a recursive mkdir (procfs).
  await mkdir(path);
  const db = await lancedb.connect(path, { readConsistencyInterval: 0 });
  try {
    const table = await db.createEmptyTable(TABLE_NAME, indexSchema(arrow, metadata));
    return new Generation(name, path, db, table, metadata);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Reads the metadata, compares the model, and reads the key column of every data file. */
async function checkTable(
  table: Table,
  directory: string,
  model: EmbeddingModelInfo,
  hints: Hints,
): Promise<IndexMetadata> {
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
    throw indexCorrupt(directory, error, hints);
  }
  if (typeof metadata === 'string') throw indexCorrupt(directory, metadata, hints);
  if (metadata.format !== INDEX_FORMAT) {
    throw indexFormat(directory, `has format ${metadata.format}, this version reads ${INDEX_FORMAT}`, hints);
  }
  if (!sameModel(metadata, model)) throw modelMismatch(directory, metadata, model, hints);
  try {
    await table.query().select(['locationKey', 'contentDigest']).toArray();
  } catch (error) {
    throw indexCorrupt(directory, error, hints);
  }
  return metadata;
}
