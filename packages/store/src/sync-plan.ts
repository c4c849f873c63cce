import { rowKey } from './rows.js';
import type { IndexRecord } from './types.js';

export interface SyncCounts {
  added: number;
  updated: number;
  relocated: number;
  removed: number;
  unchanged: number;
}

export interface SyncPlan {
  counts: SyncCounts;
  /** Records to write (relocated, updated and added ones), in input order. */
  upserts: IndexRecord[];
  /** Row keys (`rowKey`) of rows to delete: the old keys that no record has. */
  deletes: string[];
}

/**
 * Compares the rows on disk (row key → content digest) with the desired records, row by row:
 * a row is one window of a unit, identified by `rowKey(locationKey, window)`.
 *
 * Every old row and every record is counted once: old rows = unchanged + relocated + updated +
 * removed, records = unchanged + relocated + updated + added. A record whose digest belonged
 * to an old row that is not unchanged takes that row over (relocated: same content, so the
 * same vector); otherwise a record at an old row's key replaces it (updated); the other
 * records are added, and old rows taken by no record are removed. Pairing follows input
 * order, so the plan is deterministic. Record keys must be unique (checked by the caller).
 */
export function planSync(existing: ReadonlyMap<string, string>, records: readonly IndexRecord[]): SyncPlan {
  const counts: SyncCounts = { added: 0, updated: 0, relocated: 0, removed: 0, unchanged: 0 };
  const recordKeys = new Set<string>();
  const unchangedKeys = new Set<string>();
  const upserts: IndexRecord[] = [];
  const keyOf = new Map<IndexRecord, string>();
  for (const record of records) {
    const key = rowKey(record.locationKey, record.window ?? 0);
    keyOf.set(record, key);
    recordKeys.add(key);
    if (existing.get(key) === record.contentDigest) unchangedKeys.add(key);
    else upserts.push(record);
  }
  counts.unchanged = unchangedKeys.size;

  // Old rows that are not unchanged, by digest: their content may have moved.
  const vacated = new Map<string, string[]>();
  for (const [key, digest] of existing) {
    if (unchangedKeys.has(key)) continue;
    const keys = vacated.get(digest);
    if (keys) keys.push(key);
    else vacated.set(digest, [key]);
  }

  const taken = new Set<string>(); // old rows accounted for by a relocation or an update
  const notRelocated: IndexRecord[] = [];
  for (const record of upserts) {
    const oldKey = vacated.get(record.contentDigest)?.shift();
    if (oldKey === undefined) {
      notRelocated.push(record);
    } else {
      taken.add(oldKey);
      counts.relocated += 1;
    }
  }
  for (const record of notRelocated) {
    const key = keyOf.get(record)!;
    if (existing.has(key) && !taken.has(key)) {
      taken.add(key);
      counts.updated += 1;
    } else {
      counts.added += 1;
    }
  }

  const deletes: string[] = [];
  for (const key of existing.keys()) {
    if (!recordKeys.has(key)) deletes.push(key);
    if (!unchangedKeys.has(key) && !taken.has(key)) counts.removed += 1;
  }
  return { counts, upserts, deletes };
}
