import { manifestFromParse, type RepositoryStream } from '@codesearch/batch';
import { type EmbeddingModelInfo, ModelNotFoundError, StoreError } from '@codesearch/core';
import { createTransformersEmbedder } from '@codesearch/embedder';
import type { LockHolder } from '@codesearch/fs';
import {
  type CodeIndex,
  checkIndexLocation,
  type IndexRecord,
  openCodeIndex,
  type SyncReport,
} from '@codesearch/store';
import Table from 'cli-table3';
import { ignoreCodesearchDirectory } from './codesearch-dir.js';
import {
  type EmbedRunOptions,
  parseReport,
  reportFailures,
  runEmbedStream,
  summaryRows,
} from './embed-run.js';
import { embedderOverride } from './embedder-override.js';
import { indexDirectory, indexExists, indexHint } from './index-location.js';
import { indexRecordsOf } from './index-records.js';
import { walkOptions } from './options.js';
import type { Terminal } from './terminal.js';

export interface IndexCommandOptions extends EmbedRunOptions {
  /** Index directory (default `<path>/.codesearch/index`). */
  index?: string;
  rebuild?: boolean;
  json?: boolean;
}

/** The rows `index` adds to the embed summary. */
export function syncRows(
  sync: SyncReport,
  directory: string,
  entities: number,
): Array<[string, string | number]> {
  // The index holds one row per window (a long unit is several): the sync counts rows.
  return [
    ['rows added', sync.added],
    ['rows updated', sync.updated],
    ['rows relocated', sync.relocated],
    ['rows removed', sync.removed],
    ['rows unchanged', sync.unchanged],
    ...(sync.repaired > 0 ? [['duplicates repaired', sync.repaired] as [string, number]] : []),
    ['index entities', entities],
    ['index dir', directory],
  ];
}

/**
 * Before embedding anything: an existing index built with another model is refused now rather
 * than after a long embedding run. Reads the model's identity only (no runtime); a model that
 * is not on disk yet is left to the run, which downloads it. Resolves to the existing index,
 * open for reading (its vectors are reused by the run), or `undefined`.
 */
async function checkExistingIndex(
  directory: string,
  options: IndexCommandOptions,
  indexCommand: string,
): Promise<CodeIndex | undefined> {
  if (options.rebuild || !(await indexExists(directory))) return undefined;
  let info: EmbeddingModelInfo;
  try {
    info = await (
      embedderOverride() ??
      createTransformersEmbedder({
        ...(options.model ? { model: options.model } : {}),
        ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
        ...(options.precision ? { precision: options.precision } : {}),
      })
    ).describe();
  } catch (error) {
    if (ModelNotFoundError.isInstance(error)) return undefined;
    throw error;
  }
  try {
    return await openCodeIndex(directory, {
      model: { modelName: info.modelName, modelVersion: info.modelVersion, dimensions: info.dimensions },
      create: false,
      indexCommand,
    });
  } catch (error) {
    // An index of an older format is ours to rebuild: this run's sync builds it anew, aside.
    if (StoreError.isInstance(error) && error.code === 'INDEX_OUTDATED') return undefined;
    throw error;
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `process ${holder.pid} (${holder.command}, since ${holder.since})` : 'another process';
}

/** A run in which no unit could be embedded: its chunks are not made the index. */
class NothingEmbedded extends Error {
  constructor() {
    super('no unit could be embedded');
  }
}

export async function runIndex(
  target: string,
  options: IndexCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const directory = indexDirectory(target, options.index);
  const walk = walkOptions(options);
  const indexCommand = indexHint(target, options.index, walk);
  // Everything that can be checked before the embedding run is checked now: whose directory
  // it is (never someone else's files), that it can be created and written, the model.
  await checkIndexLocation(directory, { rebuild: options.rebuild ?? false, indexCommand });
  // The default index sits inside the tree: keep it out of `git status` from the start.
  const ignored = await ignoreCodesearchDirectory(target, options.index);
  if (ignored.state === 'failed') terminal.error(`warning: ${ignored.reason}`);
  const existing = await checkExistingIndex(directory, options, indexCommand);
  let waiting = false;
  let written: { sync: SyncReport; stored: number; skipped: number } | undefined;
  /**
   * The index is written while the tree is embedded: each chunk's records go to the index as
   * the chunk is done (`syncStream`), so memory holds one chunk. The index is opened with the
   * model identity of the first chunk.
   */
  const writeIndex = async (stream: RepositoryStream) => {
    const chunks = stream[Symbol.asyncIterator]();
    const first = await chunks.next();
    if (first.done) return;
    const { metadata } = first.value.result;
    const index = await openCodeIndex(directory, {
      model: {
        modelName: metadata.modelName,
        modelVersion: metadata.modelVersion,
        dimensions: metadata.dimensions,
      },
      rebuild: options.rebuild ?? false,
      indexCommand,
      onLockWait: (holder) => {
        waiting = true;
        terminal.error(`waiting for ${describeHolder(holder)}, which is writing ${directory} …`);
      },
    });
    let stored = 0;
    let skipped = 0;
    const recordsOf = (chunk: typeof first.value): IndexRecord[] => {
      const made = indexRecordsOf(chunk.result, chunk.entities);
      skipped += made.skipped.length;
      // One row per window, window 0 for every unit.
      stored += made.records.filter((record) => record.window === 0).length;
      return made.records;
    };
    async function* records(): AsyncGenerator<IndexRecord[]> {
      yield recordsOf(first.value as typeof first.value);
      for (;;) {
        const next = await chunks.next();
        if (next.done) break;
        yield recordsOf(next.value);
      }
      // Nothing embedded at all (a broken model): the index is left as it was.
      const { summary } = stream.outcome;
      if (summary.total > 0 && summary.success === 0) throw new NothingEmbedded();
    }
    try {
      const sync = await index.syncStream(records(), {
        manifest: () => manifestFromParse(stream.outcome.parse, walk),
      });
      written = { sync, stored, skipped };
    } catch (error) {
      if (!(error instanceof NothingEmbedded)) throw error;
    } finally {
      await index.close();
    }
  };
  let run: Awaited<ReturnType<typeof runEmbedStream>>;
  try {
    // Text the index already holds is not embedded again, even when the cache lost it (a
    // cleared cache, or units a search re-indexed into the index alone).
    const priorVectors = existing && options.cache !== false ? existing : undefined;
    run = await runEmbedStream(target, options, terminal, priorVectors ? { priorVectors } : {}, writeIndex);
  } finally {
    await existing?.close();
  }
  if ('exitCode' in run) return run.exitCode;
  const { outcome, seconds } = run;
  const { result } = outcome;
  const exitCode = reportFailures(outcome, options, terminal);
  if (exitCode !== 0 || !written) return exitCode || 1;
  const { sync, stored, skipped } = written;
  if (waiting) terminal.error('… done waiting; this run wrote the index last');

  if (options.json) {
    terminal.out(
      JSON.stringify({
        summary: result.summary,
        sync,
        index: { directory, entities: stored },
        errors: result.errors,
        warnings: result.warnings,
        parse: parseReport(outcome),
        ...(skipped > 0 ? { skipped } : {}),
      }),
    );
  } else {
    const table = new Table({ style: { head: [], border: [], compact: true } });
    table.push(...summaryRows(outcome, seconds), ...syncRows(sync, directory, stored));
    terminal.out(table.toString());
  }
  return 0;
}
