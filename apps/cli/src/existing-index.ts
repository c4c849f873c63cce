import { createTransformersEmbedder, type Precision, type TransformersEmbedder } from '@codesearch/embedder';
import { type CodeIndex, openCodeIndex, readIndexModel } from '@codesearch/store';
import { indexDirectory, indexExists, indexHint, treeRootProblem } from './index-location.js';
import type { Terminal } from './terminal.js';

/** The flags of the commands that read an existing index: `status`, `search`, `cache prune`, `mcp`. */
export interface ExistingIndexOptions {
  /** The indexed tree. */
  root: string;
  /** `--index`. */
  index?: string;
  model?: string;
  modelsDir?: string;
  /** `--precision`; by default the one the index was built with (int8 unless it was fp32). */
  precision?: Precision;
  /** `--threads`: onnxruntime threads of the embedder that embeds queries and refreshes. */
  threads?: number;
  /** The flag that named the tree, for messages (`--path`, or the `status` argument). */
  rootFlag: string;
  /** Said after "create it with …" when there is no index (what the command needs it for). */
  purpose?: string;
  /** Open a tree without an index too: the index is created empty (its first sync fills it). */
  create?: boolean;
  /** How long a sync through this handle waits for another writer (default: the store's). */
  lockWaitMs?: number;
}

export interface ExistingIndex {
  index: CodeIndex;
  directory: string;
  /** Described (its files read), never started: `search` embeds queries with it. */
  embedder: TransformersEmbedder;
}

/** Why a tree cannot be opened, said as the user reads it (no stage prefix), with a code. */
export type TreeOpenError = Error & { code: 'BAD_ROOT' | 'NO_INDEX' };

function treeOpenError(message: string, code: TreeOpenError['code']): TreeOpenError {
  return Object.assign(new Error(message), { code });
}

export function isTreeOpenError(error: unknown): error is TreeOpenError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === 'BAD_ROOT' || code === 'NO_INDEX');
}

/**
 * Opens the index of a tree. Rejects with a `TreeOpenError` when the root is not a directory
 * (`BAD_ROOT`) or has no index (`NO_INDEX`, with the command that creates it, unless `create`).
 * The model is only described, to check that the index holds its vectors; its runtime is not
 * loaded.
 */
export async function openTreeIndex(options: ExistingIndexOptions): Promise<ExistingIndex> {
  const { root } = options;
  const directory = indexDirectory(root, options.index);
  const rootProblem = options.index ? undefined : await treeRootProblem(root, options.rootFlag);
  if (rootProblem) throw treeOpenError(rootProblem, 'BAD_ROOT');
  const indexCommand = indexHint(root, options.index);
  if (!options.create && !(await indexExists(directory))) {
    const purpose = options.purpose ? `${options.purpose}, ` : '';
    throw treeOpenError(`no index at ${directory}; ${purpose}create it with \`${indexCommand}\``, 'NO_INDEX');
  }
  const { embedder, model } = await embedderForIndex(directory, options);
  const index = await openCodeIndex(directory, {
    model: { modelName: model.modelName, modelVersion: model.modelVersion, dimensions: model.dimensions },
    create: options.create ?? false,
    indexCommand,
    ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
  });
  return { index, directory, embedder };
}

/**
 * `openTreeIndex` for a command: a tree that cannot be opened is said on stderr, and the exit
 * code is given instead.
 */
export async function openExistingIndex(
  options: ExistingIndexOptions,
  terminal: Terminal,
): Promise<ExistingIndex | { exitCode: number }> {
  try {
    return await openTreeIndex(options);
  } catch (error) {
    if (!isTreeOpenError(error)) throw error;
    terminal.error(`codesearch: ${error.message}`);
    return { exitCode: 1 };
  }
}

/**
 * The embedder whose vectors the index holds: `--precision` when given; otherwise int8, or
 * fp32 when the index was built with it (so `index --precision fp32` needs no flag to search).
 */
async function embedderForIndex(directory: string, options: ExistingIndexOptions) {
  const make = (precision: Precision) =>
    createTransformersEmbedder({
      ...(options.model ? { model: options.model } : {}),
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      precision,
    });
  const embedder = make(options.precision ?? 'int8');
  const model = await embedder.describe();
  if (options.precision) return { embedder, model };
  const built = await readIndexModel(directory).catch(() => undefined);
  if (!built || built.modelVersion === model.modelVersion) return { embedder, model };
  const fp32 = make('fp32');
  // A model without fp32 files, or an index of another model altogether: the store says so.
  const fp32Model = await fp32.describe().catch(() => undefined);
  return fp32Model?.modelVersion === built.modelVersion
    ? { embedder: fp32, model: fp32Model }
    : { embedder, model };
}
