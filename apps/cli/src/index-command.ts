import { readdir, rm } from 'node:fs/promises';
import { type EmbeddingModelInfo, ModelNotFoundError } from '@codesearch/core';
import { createTransformersEmbedder } from '@codesearch/embedder';
import { openCodeIndex, recordsFromEntities, type SyncReport, TABLE_NAME } from '@codesearch/store';
import Table from 'cli-table3';
import {
  type EmbedRunOptions,
  parseReport,
  reportFailures,
  runEmbedRepository,
  summaryRows,
} from './embed-run.js';
import { indexDirectory, indexExists } from './index-location.js';
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
  return [
    ['added', sync.added],
    ['updated', sync.updated],
    ['relocated', sync.relocated],
    ['removed', sync.removed],
    ['unchanged', sync.unchanged],
    ['index entities', entities],
    ['index dir', directory],
  ];
}

/**
 * `--rebuild` deletes the index directory: only when it is missing, empty, or holds an index
 * (`code.lance`), so a mistyped `--index .` cannot delete a source tree.
 */
async function rebuildRefusal(directory: string): Promise<string | undefined> {
  const names = await readdir(directory).catch(() => [] as string[]);
  if (names.length === 0 || names.includes(`${TABLE_NAME}.lance`)) return undefined;
  return `--rebuild: ${directory} does not look like a codesearch index (no ${TABLE_NAME}.lance); not deleting it`;
}

/**
 * Before embedding anything: an existing index built with another model is refused now rather
 * than after a long embedding run. Reads the model's identity only (no runtime); a model that
 * is not on disk yet is left to the run, which downloads it.
 */
async function checkExistingIndex(directory: string, options: IndexCommandOptions): Promise<void> {
  if (options.rebuild || !(await indexExists(directory))) return;
  let info: EmbeddingModelInfo;
  try {
    info = await createTransformersEmbedder({
      ...(options.model ? { model: options.model } : {}),
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
    }).describe();
  } catch (error) {
    if (ModelNotFoundError.isInstance(error)) return;
    throw error;
  }
  const index = await openCodeIndex(directory, {
    model: { modelName: info.modelName, modelVersion: info.modelVersion, dimensions: info.dimensions },
    create: false,
  });
  await index.close();
}

export async function runIndex(
  target: string,
  options: IndexCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const directory = indexDirectory(target, options.index);
  // Refused before the embedding run, not after it: the check is one directory listing.
  const refusal = options.rebuild ? await rebuildRefusal(directory) : undefined;
  if (refusal) {
    terminal.error(`codesearch: ${refusal}`);
    return 1;
  }
  await checkExistingIndex(directory, options);
  const run = await runEmbedRepository(target, options, terminal);
  if ('exitCode' in run) return run.exitCode;
  const { outcome, seconds } = run;
  const { result, entities } = outcome;
  const exitCode = reportFailures(outcome, options, terminal);
  if (exitCode !== 0) return exitCode;

  const { records, skipped } = recordsFromEntities({
    entities,
    keys: result.keys,
    vectors: result.keys.map((key) => result.embeddings[key] ?? null),
    texts: result.prepared.map((item) => item?.text ?? null),
    digests: result.prepared.map((item) => item?.contentKey ?? null),
  });

  if (options.rebuild) await rm(directory, { recursive: true, force: true });
  const index = await openCodeIndex(directory, {
    model: {
      modelName: result.metadata.modelName,
      modelVersion: result.metadata.modelVersion,
      dimensions: result.metadata.dimensions,
    },
  });
  let sync: SyncReport;
  try {
    sync = await index.sync(records);
  } finally {
    await index.close();
  }
  // A sync makes the table hold exactly `records`; no need to count the rows again.
  const stored = records.length;

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
