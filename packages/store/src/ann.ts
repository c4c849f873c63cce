import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@codesearch/fs';
import type { Table } from '@lancedb/lancedb';
import { loadLance } from './lance.js';
import { ANN_FILE } from './layout.js';
import { VECTOR_COLUMN } from './schema.js';

/**
 * The approximate nearest-neighbour (ANN) index of the vector column: LanceDB IVF_HNSW_SQ
 * (vectors grouped in IVF partitions, an HNSW graph per partition over 8-bit scalar-quantized
 * vectors), cosine distance like the exact search. Built by a whole sync once the table holds
 * `annThreshold` rows; below that the exhaustive search is exact and about as fast (README,
 * "Approximate vector index", for the measurements behind every constant here).
 */
export const ANN_INDEX_TYPE = 'IVF_HNSW_SQ';
/**
 * Rows at which a whole sync builds the ANN index (`OpenCodeIndexOptions.annThreshold`).
 * Measured (`node bench/sections/ann.mjs`, depth 50, 2 busy cores): exhaustive vs ANN p50 at
 * 10k rows 28 vs 30 ms, at 20k 41 vs 21 ms, at 50k 103 vs 23 ms. Below it the exhaustive
 * search is as fast and exact (every eval corpus, and the combined eval tree's 15.6k rows).
 */
export const DEFAULT_ANN_THRESHOLD = 20_000;
/** Partitions searched per query (at least; more when a filter leaves too few rows in them). */
export const ANN_NPROBES = 20;
/**
 * Candidates the HNSW searches of one query keep (`ef`), shared by the partitions it probes:
 * one graph needs them all — on the real model's vectors (15.5k rows of the combined eval tree,
 * one partition, the eval questions as queries) recall@10 was 0.982 at `ef` 200 and 0.993 at
 * 400 — while 20 probed partitions each hold a share of the answer (0.994 with 4 partitions at
 * LanceDB's default `ef`). At 1M rows (61 partitions) `ef` 400 in each took ~125 ms.
 */
export const ANN_EF_PER_QUERY = 400;
/** `maximumNprobes` meaning "every partition if need be" (LanceDB takes no unbounded value). */
export const ANN_ALL_PARTITIONS = 1_000_000;
/**
 * HNSW graph build: neighbours per vector and build-time candidates (LanceDB's defaults). A
 * cheaper graph (16 and 100) builds 2.5× faster but gave recall@10 0.942 on the real vectors
 * where these give 0.982 (both at `ef` 200): the eval questions are far from every row.
 */
export const ANN_HNSW_M = 20;
export const ANN_HNSW_EF_CONSTRUCTION = 300;
/**
 * Rows re-ranked by their full vectors per row asked, at most: recall, and exact `_distance`
 * (the score is the cosine similarity, not the quantized estimate). Deep lists re-rank fewer
 * per row (`annRefineFactor`): reading the full vectors is most of a query's time.
 */
export const ANN_REFINE_FACTOR = 5;
/** …and about this many rows in all: at 1M rows, depth 60 took 63 ms at ×5, 37 ms at ×2. */
export const ANN_REFINE_ROWS = 120;
/**
 * Rows per IVF partition aimed at when training (each partition is one HNSW graph). Measured at
 * 1M rows: 61 partitions (16k rows each) answer in 24 ms p50, 244 (4k each) in 80 ms, same
 * recall; fewer, larger graphs cost little more to search and are probed more completely.
 */
export const ANN_ROWS_PER_PARTITION = 16_384;
/**
 * A whole sync retrains when the table has grown (or shrunk) by this factor since training:
 * the partitions were chosen, and their centroids learnt, for the old size.
 */
export const ANN_RETRAIN_FACTOR = 2;
/** …or when this fraction of the rows is outside the index (searched exhaustively). */
export const ANN_MAX_UNINDEXED_FRACTION = 0.1;
/**
 * A table with an ANN index leaves the rows written since it was trained outside both indexes
 * (found by the exhaustive parts of the vector and full-text searches) until more than this
 * fraction of its rows — or `ANN_DEFER_MIN_ROWS`, whichever is more — are; then a whole sync
 * retrains the index and optimizes the table. LanceDB's `optimize()` would instead fold even a
 * few new rows into every HNSW graph: more than 15 minutes at 1M rows for 1,000 edited rows
 * (`pnpm bench ann`), where retraining takes ~4 and the full-text part of `optimize()` 4 s.
 */
export const ANN_DEFER_FRACTION = 0.02;
export const ANN_DEFER_MIN_ROWS = 1_000;
/** Small fragments (about one per sync) a table with an ANN index keeps before it is compacted. */
export const ANN_DEFER_SMALL_FRAGMENTS = 16;

const ANN_FORMAT = 'codesearch-ann/1';
const ANN_INDEX_NAME = `${VECTOR_COLUMN}_idx`;

/** What was recorded when the ANN index was trained (`<generation>/ann.json`). */
export interface AnnTraining {
  type: string;
  /** Rows in the table when it was trained. */
  trainedRows: number;
  /** ISO-8601. */
  trainedAt: string;
  partitions: number;
}

/** The ANN index as `stats()` reports it (`null` there: vector search is exhaustive). */
export interface AnnIndexStats extends AnnTraining {
  /** Rows the index covers (rows added by later syncs join it when the table is optimized). */
  indexedRows: number;
  /** Rows outside it: searched exhaustively alongside it, so they are still found. */
  unindexedRows: number;
}

/** The refine factor of a query for `limit` rows: ×5 for short lists, down to ×1 (exact scores still). */
export function annRefineFactor(limit: number): number {
  return Math.min(ANN_REFINE_FACTOR, Math.max(1, Math.ceil(ANN_REFINE_ROWS / limit)));
}

/**
 * The `ef` of a query for `limit` rows on an index of `partitions` partitions: at least LanceDB's
 * default (1.5 × the `limit × refine` rows the refine step asks for), and `ANN_EF_PER_QUERY`
 * shared by the partitions probed.
 */
export function annEf(limit: number, partitions = 1): number {
  const probed = Math.max(1, Math.min(partitions, ANN_NPROBES));
  return Math.max(Math.ceil(1.5 * limit * annRefineFactor(limit)), Math.ceil(ANN_EF_PER_QUERY / probed));
}

/** The partitions the ANN index of a generation was trained with (1 when unknown or none). */
export async function annPartitionsOf(generationDir: string): Promise<number> {
  return (await readTraining(generationDir))?.partitions || 1;
}

/** Partitions for `rows` rows: one HNSW graph per ~`ANN_ROWS_PER_PARTITION` rows, at least one. */
export function annPartitions(rows: number): number {
  return Math.max(1, Math.round(rows / ANN_ROWS_PER_PARTITION));
}

export type AnnAction = 'none' | 'train' | 'retrain' | 'drop';

/**
 * What a whole sync does with the ANN index (pure). Partial syncs never call this: a refresh
 * before an answer must stay fast, and its few rows are found by the exhaustive part anyway.
 */
export function planAnn(input: {
  rows: number;
  threshold: number;
  /** The index now, or undefined when there is none. */
  index: { trainedRows: number; unindexedRows: number } | undefined;
}): AnnAction {
  const { rows, threshold, index } = input;
  if (!index) return rows >= threshold && rows > 0 ? 'train' : 'none';
  // Hysteresis: an index is dropped only well below the threshold, so a table hovering at it
  // is not trained and dropped in turn.
  if (rows < threshold / 2) return 'drop';
  if (rows >= index.trainedRows * ANN_RETRAIN_FACTOR || rows * ANN_RETRAIN_FACTOR <= index.trainedRows) {
    return 'retrain';
  }
  if (index.unindexedRows > rows * ANN_MAX_UNINDEXED_FRACTION) return 'retrain';
  return 'none';
}

/** The ANN index of `table` and what its training recorded, or undefined. */
export async function readAnnIndex(table: Table, generationDir: string): Promise<AnnIndexStats | undefined> {
  const indices = await table.listIndices();
  const index = indices.find((entry) => entry.columns.includes(VECTOR_COLUMN));
  if (!index) return undefined;
  const stats = await table.indexStats(index.name);
  const indexedRows = stats?.numIndexedRows ?? 0;
  const recorded = await readTraining(generationDir);
  return {
    type: recorded?.type ?? stats?.indexType ?? index.indexType,
    // No record (a sync killed between training and writing it): the rows it covers now.
    trainedRows: recorded?.trainedRows ?? indexedRows,
    trainedAt: recorded?.trainedAt ?? (index as { createdAt?: Date }).createdAt?.toISOString() ?? '',
    partitions: recorded?.partitions ?? 0,
    indexedRows,
    unindexedRows: stats?.numUnindexedRows ?? 0,
  };
}

/**
 * Whether the rows outside a table's ANN index (and its full-text index) are now too many to
 * leave to the exhaustive searches, or its small fragments too many to leave uncompacted.
 */
export function annMaintenanceDue(input: {
  rows: number;
  unindexedRows: number;
  smallFragments: number;
}): boolean {
  const { rows, unindexedRows, smallFragments } = input;
  return (
    unindexedRows > Math.max(ANN_DEFER_MIN_ROWS, rows * ANN_DEFER_FRACTION) ||
    smallFragments >= ANN_DEFER_SMALL_FRAGMENTS
  );
}

/**
 * Brings the ANN index of a generation in line with `planAnn` after a whole sync: trains it
 * (`createIndex`, replacing the old one), drops it, or leaves it; `retrain` retrains an index
 * the plan would leave. Returns the action taken.
 */
export async function maintainAnnIndex(
  table: Table,
  generationDir: string,
  threshold: number,
  options: { retrain?: boolean } = {},
): Promise<AnnAction> {
  const rows = await table.countRows();
  const index = await readAnnIndex(table, generationDir);
  let action = planAnn({ rows, threshold, index });
  if (options.retrain && action === 'none' && index) action = 'retrain';
  if (action === 'drop') {
    await table.dropIndex(ANN_INDEX_NAME);
    await rm(join(generationDir, ANN_FILE), { force: true });
  } else if (action === 'train' || action === 'retrain') {
    const partitions = annPartitions(rows);
    await table.createIndex(VECTOR_COLUMN, {
      name: ANN_INDEX_NAME,
      replace: true,
      config: loadLance().lancedb.Index.hnswSq({
        distanceType: 'cosine',
        numPartitions: partitions,
        m: ANN_HNSW_M,
        efConstruction: ANN_HNSW_EF_CONSTRUCTION,
      }),
    });
    await writeTraining(generationDir, {
      type: ANN_INDEX_TYPE,
      trainedRows: rows,
      trainedAt: new Date().toISOString(),
      partitions,
    });
  }
  return action;
}

async function readTraining(generationDir: string): Promise<AnnTraining | undefined> {
  try {
    const value = JSON.parse(await readFile(join(generationDir, ANN_FILE), 'utf8'));
    if (value?.format !== ANN_FORMAT || !Number.isInteger(value.trainedRows)) return undefined;
    return {
      type: String(value.type),
      trainedRows: value.trainedRows,
      trainedAt: String(value.trainedAt),
      partitions: Number(value.partitions) || 0,
    };
  } catch {
    return undefined;
  }
}

function writeTraining(generationDir: string, training: AnnTraining): Promise<void> {
  return writeFileAtomic(
    join(generationDir, ANN_FILE),
    `${JSON.stringify({ format: ANN_FORMAT, ...training })}\n`,
  );
}
