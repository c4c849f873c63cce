import { createTransformersEmbedder, type TransformersEmbedder } from '@codesearch/embedder';
import { type CodeIndex, openCodeIndex } from '@codesearch/store';
import { indexDirectory, indexExists, indexHint, treeRootProblem } from './index-location.js';
import type { Terminal } from './terminal.js';

/** The flags of the commands that read an existing index: `status`, `search`, `cache prune`. */
export interface ExistingIndexOptions {
  /** The indexed tree. */
  root: string;
  /** `--index`. */
  index?: string;
  model?: string;
  modelsDir?: string;
  /** The flag that named the tree, for messages (`--path`, or the `status` argument). */
  rootFlag: string;
  /** Said after "create it with …" when there is no index (what the command needs it for). */
  purpose?: string;
}

export interface ExistingIndex {
  index: CodeIndex;
  directory: string;
  /** Described (its files read), never started: `search` embeds queries with it. */
  embedder: TransformersEmbedder;
}

/**
 * Opens the index of a tree for reading, or says on stderr why it cannot (not a directory, no
 * index yet — with the command that creates it) and gives the exit code. The model is only
 * described, to check that the index holds its vectors; its runtime is not loaded.
 */
export async function openExistingIndex(
  options: ExistingIndexOptions,
  terminal: Terminal,
): Promise<ExistingIndex | { exitCode: number }> {
  const { root } = options;
  const directory = indexDirectory(root, options.index);
  const rootProblem = options.index ? undefined : await treeRootProblem(root, options.rootFlag);
  if (rootProblem) {
    terminal.error(`codesearch: ${rootProblem}`);
    return { exitCode: 1 };
  }
  const indexCommand = indexHint(root, options.index);
  if (!(await indexExists(directory))) {
    terminal.error(
      `codesearch: no index at ${directory}; ${options.purpose ? `${options.purpose}, ` : ''}create it with \`${indexCommand}\``,
    );
    return { exitCode: 1 };
  }
  const embedder = createTransformersEmbedder({
    ...(options.model ? { model: options.model } : {}),
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
  });
  const model = await embedder.describe();
  const index = await openCodeIndex(directory, {
    model: { modelName: model.modelName, modelVersion: model.modelVersion, dimensions: model.dimensions },
    create: false,
    indexCommand,
  });
  return { index, directory, embedder };
}
