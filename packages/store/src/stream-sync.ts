import type { IndexManifest } from '@codesearch/core';
import { rowKey } from './rows.js';
import { planSync, type SyncCounts } from './sync-plan.js';
import type { IndexRecord } from './types.js';

/**
 * Rows gathered before one LanceDB write: large enough that a million rows make a few hundred
 * fragments rather than thousands, small enough to hold (~15 MB of 384-d vectors).
 */
export const DEFAULT_WRITE_ROWS = 8_192;

export interface StreamSyncOptions {
  /**
   * The manifest to keep with the index, asked for after the last chunk was written (what it
   * describes is known only then). Not asked for when the chunks stop early.
   */
  manifest?: () => IndexManifest | undefined | Promise<IndexManifest | undefined>;
  /** Rows per write (default `DEFAULT_WRITE_ROWS`). */
  writeRows?: number;
}

/** What the chunks came to; `interrupted` is what the chunks' iterator threw (an abort), if it did. */
export interface ChunkOutcome {
  rows: number;
  interrupted?: { error: unknown };
}

/** The next chunk, or what the iterator threw: an interruption is not a write failure. */
async function nextChunk(
  iterator: AsyncIterator<readonly IndexRecord[]>,
): Promise<{ chunk?: readonly IndexRecord[]; interrupted?: { error: unknown } }> {
  try {
    const next = await iterator.next();
    return next.done ? {} : { chunk: next.value };
  } catch (error) {
    return { interrupted: { error } };
  }
}

/**
 * Writes every record of `chunks` with `write`, gathered into writes of `writeRows` rows;
 * `check` validates each chunk first (it throws for a bad record). One write runs while the
 * next chunk is made (embedded, upstream), so the store's work overlaps the pipeline's; writes
 * stay one at a time and in order. Stops at an interruption after writing what it has (the
 * rows of chunks taken are kept). A failed write fails the call.
 */
export async function appendChunks(
  chunks: AsyncIterable<readonly IndexRecord[]>,
  write: (records: IndexRecord[]) => Promise<void>,
  check: (chunk: readonly IndexRecord[]) => void,
  writeRows = DEFAULT_WRITE_ROWS,
): Promise<ChunkOutcome> {
  const iterator = chunks[Symbol.asyncIterator]();
  let pending: IndexRecord[] = [];
  let rows = 0;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    // The previous write first: a failure surfaces here, and writes keep their order.
    await writing;
    if (pending.length === 0) return;
    const records = pending;
    pending = [];
    writing = write(records).then(() => {
      rows += records.length;
    });
    // Awaited at the next flush; until then a failure must not count as unhandled.
    writing.catch(() => {});
  };
  try {
    for (;;) {
      const { chunk, interrupted } = await nextChunk(iterator);
      if (interrupted) {
        await flush();
        await writing;
        return { rows, interrupted };
      }
      if (!chunk) break;
      check(chunk);
      for (const record of chunk) pending.push(record);
      if (pending.length >= writeRows) await flush();
    }
    await flush();
    await writing;
    return { rows };
  } catch (error) {
    // Nothing may still be writing when the caller cleans up after a failure.
    await writing.catch(() => {});
    throw error;
  }
}

/** A record reduced to what the sync plan compares (the vector and text are written and let go). */
function keyOf(record: IndexRecord): IndexRecord {
  return {
    locationKey: record.locationKey,
    window: record.window ?? 0,
    contentDigest: record.contentDigest,
  } as IndexRecord;
}

/**
 * An incremental sync that streams: each chunk's records are compared with the rows on disk
 * (`existing`: row key → content digest) and those that differ are written (`upsert`, by row
 * key) as they come; only their keys and digests are kept. After the last chunk, the rows no
 * record has are deleted and the counts are those `planSync` gives for the whole set. On an
 * interruption the chunks written stay written and nothing is deleted.
 */
export async function mergeChunks(
  existing: ReadonlyMap<string, string>,
  chunks: AsyncIterable<readonly IndexRecord[]>,
  upsert: (records: IndexRecord[]) => Promise<void>,
  check: (chunk: readonly IndexRecord[]) => void,
  writeRows = DEFAULT_WRITE_ROWS,
): Promise<ChunkOutcome & { counts: SyncCounts; deletes: string[] }> {
  const seen: IndexRecord[] = [];
  const changed = async function* () {
    for await (const chunk of chunks) {
      check(chunk);
      const upserts: IndexRecord[] = [];
      for (const record of chunk) {
        seen.push(keyOf(record));
        if (existing.get(rowKey(record.locationKey, record.window ?? 0)) !== record.contentDigest) {
          upserts.push(record);
        }
      }
      yield upserts;
    }
  };
  const outcome = await appendChunks(changed(), upsert, () => {}, writeRows);
  const plan = planSync(existing, seen);
  return { ...outcome, counts: plan.counts, deletes: outcome.interrupted ? [] : plan.deletes };
}
