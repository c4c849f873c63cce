import { manifestFromParse } from '@codesearch/batch';
import { type EmbeddingModelInfo, ModelNotFoundError, StoreError } from '@codesearch/core';
import { createTransformersEmbedder } from '@codesearch/embedder';
import type { LockHolder } from '@codesearch/fs';
import { type CodeIndex, checkIndexLocation, openCodeIndex, type SyncReport } from '@codesearch/store';
import Table from 'cli-table3';
import { ignoreCodesearchDirectory } from './codesearch-dir.js';
import {
  type EmbedRunOptions,
  parseReport,
  reportFailures,
  runEmbedRepository,
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
  let run: Awaited<ReturnType<typeof runEmbedRepository>>;
  try {
    // Text the index already holds is not embedded again, even when the cache lost it (a
    // cleared cache, or units a search re-indexed into the index alone).
    const priorVectors = existing && options.cache !== false ? existing : undefined;
    run = await runEmbedRepository(target, options, terminal, priorVectors ? { priorVectors } : {});
  } finally {
    await existing?.close();
  }
  if ('exitCode' in run) return run.exitCode;
  const { outcome, seconds } = run;
  const { result, entities } = outcome;
  const exitCode = reportFailures(outcome, options, terminal);
  if (exitCode !== 0) return exitCode;

  const { records, skipped } = indexRecordsOf(result, entities);
  const manifest = await manifestFromParse(outcome.parse, walk);

  let waiting = false;
  const index = await openCodeIndex(directory, {
    model: {
      modelName: result.metadata.modelName,
      modelVersion: result.metadata.modelVersion,
      dimensions: result.metadata.dimensions,
    },
    rebuild: options.rebuild ?? false,
    indexCommand,
    onLockWait: (holder) => {
      waiting = true;
      terminal.error(`waiting for ${describeHolder(holder)}, which is writing ${directory} …`);
    },
  });
  let sync: SyncReport;
  try {
    sync = await index.sync(records, { manifest });
  } finally {
    await index.close();
  }
  if (waiting) terminal.error('… done waiting; this run wrote the index last');
  // A sync makes the table hold exactly `records`: one row per window, window 0 for every unit.
  const stored = records.filter((record) => record.window === 0).length;

  if (options.json) {
    terminal.out(
      JSON.stringify({
        summary: result.summary,
        sync,
        index: { directory, entities: stored },
        errors: result.errors,
        warnings: result.warnings,
        parse: parseReport(outcome),
        ...(skipped.length > 0 ? { skipped: skipped.length } : {}),
      }),
    );
  } else {
    const table = new Table({ style: { head: [], border: [], compact: true } });
    table.push(...summaryRows(outcome, seconds), ...syncRows(sync, directory, stored));
    terminal.out(table.toString());
  }
  return 0;
}
