import { readFile } from 'node:fs/promises';
import type { Language } from '@codesearch/core';
import { createTransformersEmbedder } from '@codesearch/embedder';
import { openCodeIndex, type SearchHit, type SearchMode } from '@codesearch/store';
import { indexDirectory, indexExists, indexHint, treeRootProblem } from './index-location.js';
import { formatResults, jsonLine, parseQueries } from './search-format.js';
import { colors, type Terminal } from './terminal.js';

export interface SearchCommandOptions {
  path?: string;
  index?: string;
  k?: number;
  mode?: SearchMode;
  lang?: Language[];
  json?: boolean;
  queriesFile?: string;
  model?: string;
  modelsDir?: string;
}

export async function runSearch(
  query: string | undefined,
  options: SearchCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const queries: string[] = [];
  if (query?.trim()) queries.push(query.trim());
  if (options.queriesFile) {
    const text = await readFile(options.queriesFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read --queries-file ${options.queriesFile}: ${error.code ?? error.message}`);
    });
    queries.push(...parseQueries(text));
  }
  if (queries.length === 0) {
    terminal.error(
      `codesearch: no query (give one, e.g. codesearch search "parse a config file", or --queries-file F)`,
    );
    return 1;
  }

  const root = options.path ?? '.';
  const directory = indexDirectory(root, options.index);
  const rootProblem = options.index ? undefined : await treeRootProblem(root, '--path');
  if (rootProblem) {
    terminal.error(`codesearch: ${rootProblem}`);
    return 1;
  }
  if (!(await indexExists(directory))) {
    terminal.error(
      `codesearch: no index at ${directory}; create it with \`${indexHint(root, options.index)}\``,
    );
    return 1;
  }

  const mode = options.mode ?? 'hybrid';
  const embedder = createTransformersEmbedder({
    ...(options.model ? { model: options.model } : {}),
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
  });
  try {
    // describe() reads the model's files only: lexical search never starts the model runtime.
    const info = await embedder.describe();
    const index = await openCodeIndex(directory, {
      model: { modelName: info.modelName, modelVersion: info.modelVersion, dimensions: info.dimensions },
      create: false,
    });
    try {
      let vectors: Array<Float32Array | undefined> = queries.map(() => undefined);
      if (mode !== 'lexical') {
        // All queries in one embed() call: the model loads once.
        const outcomes = await embedder.embed(queries);
        vectors = outcomes.map((outcome, position) => {
          if (!outcome.ok)
            throw new Error(`cannot embed the query "${queries[position]}": ${outcome.error.message}`);
          return outcome.vector;
        });
      }
      const several = queries.length > 1;
      for (const [position, text] of queries.entries()) {
        const vector = vectors[position];
        const hits: SearchHit[] = await index.search(
          { text, ...(vector ? { vector } : {}) },
          {
            k: options.k ?? 10,
            mode,
            ...(options.lang?.length ? { languages: options.lang } : {}),
          },
        );
        if (options.json) terminal.out(jsonLine(text, hits));
        else {
          if (several && position > 0) terminal.out('');
          for (const line of formatResults(text, hits, {
            header: several,
            style: {
              rank: colors.bold,
              location: colors.cyan,
              name: colors.green,
              preview: colors.dim,
            },
          }))
            terminal.out(line);
        }
      }
    } finally {
      await index.close();
    }
  } finally {
    await embedder.dispose?.();
  }
  return 0;
}
