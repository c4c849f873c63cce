import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createTransformersEmbedder } from '@codesearch/embedder';
import { parseDirectory } from '@codesearch/parser';
import { type IndexStats, openCodeIndex } from '@codesearch/store';
import Table from 'cli-table3';
import { indexDirectory, indexExists, indexHint } from './index-location.js';
import { type WalkCommandOptions, walkOptions } from './options.js';
import type { Terminal } from './terminal.js';

export interface StatusCommandOptions extends WalkCommandOptions {
  index?: string;
  model?: string;
  modelsDir?: string;
  json?: boolean;
}

/** Files listed as changed at most. */
const LISTED_CHANGES = 10;

export interface Staleness {
  stale: boolean;
  /** How it was decided. */
  method: 'mtime';
  /** Source files (relative to the root) modified after the index was last written. */
  changedFiles: string[];
  changedFileCount: number;
  /** Files with entities in the tree now, against files in the index. */
  treeFiles: number;
  indexFiles: number;
  treeEntities: number;
}

/**
 * Pure: stale when a source file was modified after the index's last write, or when the
 * number of files with entities differs (a file added or deleted).
 */
export function staleness(
  files: ReadonlyArray<{ filePath: string; entities: number; mtimeMs: number }>,
  stats: Pick<IndexStats, 'files' | 'updatedAt'>,
): Staleness {
  const updated = Date.parse(stats.updatedAt);
  const changed = files.filter((file) => file.mtimeMs > updated).map((file) => file.filePath);
  const treeFiles = files.filter((file) => file.entities > 0).length;
  return {
    stale: changed.length > 0 || treeFiles !== stats.files,
    method: 'mtime',
    changedFiles: changed.slice(0, LISTED_CHANGES),
    changedFileCount: changed.length,
    treeFiles,
    indexFiles: stats.files,
    treeEntities: files.reduce((sum, file) => sum + file.entities, 0),
  };
}

export async function runStatus(
  target: string | undefined,
  options: StatusCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const root = target ?? '.';
  const directory = indexDirectory(root, options.index);
  if (!(await indexExists(directory))) {
    terminal.error(
      `codesearch: no index at ${directory}; create it with \`${indexHint(root, options.index)}\``,
    );
    return 1;
  }
  // describe() reads the model's files, never the runtime: status does not load the model.
  const info = await createTransformersEmbedder({
    ...(options.model ? { model: options.model } : {}),
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
  }).describe();
  const index = await openCodeIndex(directory, {
    model: { modelName: info.modelName, modelVersion: info.modelVersion, dimensions: info.dimensions },
    create: false,
  });
  let stats: IndexStats;
  try {
    stats = await index.stats();
  } finally {
    await index.close();
  }

  const parsed = await parseDirectory(root, walkOptions(options));
  const files = await Promise.all(
    parsed.files.map(async (file) => ({
      filePath: file.filePath,
      entities: file.entities,
      mtimeMs: await stat(path.resolve(parsed.root, file.filePath)).then(
        (info) => info.mtimeMs,
        () => Number.POSITIVE_INFINITY, // vanished since the walk: changed
      ),
    })),
  );
  const stale = staleness(files, stats);

  if (options.json) {
    terminal.out(JSON.stringify({ ...stats, root: path.resolve(root), staleness: stale }));
    return 0;
  }
  const table = new Table({ style: { head: [], border: [], compact: true } });
  table.push(
    ['index', stats.directory],
    ['model', `${stats.model.modelName} (${stats.model.modelVersion})`],
    ['dimensions', stats.dimensions],
    ['entities', stats.entities],
    ['files', stats.files],
    [
      'languages',
      Object.entries(stats.languages)
        .sort((a, b) => b[1] - a[1])
        .map(([language, count]) => `${language} ${count}`)
        .join(', ') || '-',
    ],
    ['created', stats.createdAt],
    ['last updated', stats.updatedAt],
    [
      'staleness',
      stale.stale
        ? `stale: ${stale.changedFileCount} file(s) modified since, ${stale.treeFiles} files with entities in the tree vs ${stale.indexFiles} indexed; run \`${indexHint(root, options.index)}\``
        : 'up to date (no source file modified since the last index)',
    ],
  );
  terminal.out(table.toString());
  if (stale.changedFiles.length > 0) {
    terminal.out(
      `modified since the last index: ${stale.changedFiles.join(', ')}${stale.changedFileCount > stale.changedFiles.length ? ', …' : ''}`,
    );
  }
  return 0;
}
