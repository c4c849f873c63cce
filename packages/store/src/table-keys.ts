import type { Table } from '@lancedb/lancedb';
import { ROW_KEY_COLUMN } from './schema.js';

/** The `(rowKey, contentDigest)` pairs of a table, and the rows that repeat a row key. */
export interface TableKeys {
  /** Row key (`rowKey(locationKey, window)`) → content digest, one entry per key (the row kept). */
  keys: Map<string, string>;
  /** Row ids of the other rows of keys found on more than one row: the rows to delete. */
  extraRowIds: bigint[];
  /** How many row keys are on more than one row. */
  duplicatedKeys: number;
}

/**
 * One two-column scan (plus LanceDB's row ids). A row key is unique in a healthy index;
 * concurrent writers before the write lock could store one twice, and every hit then showed
 * up twice. The first row of each key is kept; the others are listed for deletion.
 */
export async function readTableKeys(table: Table, where?: string): Promise<TableKeys> {
  let query = table.query().withRowId();
  if (where !== undefined) query = query.where(where);
  const rows = await query.select([ROW_KEY_COLUMN, 'contentDigest']).toArray();
  const keys = new Map<string, string>();
  const repeated = new Set<string>();
  const extraRowIds: bigint[] = [];
  for (const row of rows) {
    const key = row[ROW_KEY_COLUMN] as string;
    if (keys.has(key)) {
      repeated.add(key);
      extraRowIds.push(BigInt(row._rowid as bigint | number));
    } else {
      keys.set(key, row.contentDigest as string);
    }
  }
  return { keys, extraRowIds, duplicatedKeys: repeated.size };
}

/** A delete predicate for the given row ids (LanceDB accepts `_rowid` in filters). */
export function rowIdFilter(rowIds: readonly bigint[]): string {
  return `_rowid IN (${rowIds.map(String).join(', ')})`;
}
