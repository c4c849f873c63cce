import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileStates, walkOptionsFromJson } from '@codesearch/batch';
import type { EntityKind, Language } from '@codesearch/core';
import { type RankedHit, type RankMode, searchCode } from '@codesearch/search';
import type { CodeIndex } from '@codesearch/store';
import { openExistingIndex } from './existing-index.js';
import { indexHint } from './index-location.js';
import { formatResults, type HitFreshness, jsonLine, parseQueries } from './search-format.js';
import { colors, type Terminal } from './terminal.js';

export interface SearchCommandOptions {
  path?: string;
  index?: string;
  k?: number;
  /** `hybrid` (default): the ranking stage over both lists; `vector`, `lexical`: one list. */
  mode?: 'hybrid' | 'vector' | 'lexical';
  lang?: Language[];
  kind?: EntityKind[];
  /** Show the signals behind each hit's score. */
  explain?: boolean;
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
  const opened = await openExistingIndex({ ...options, root, rootFlag: '--path' }, terminal);
  if ('exitCode' in opened) return opened.exitCode;
  const { index, embedder } = opened;
  const mode = options.mode ?? 'hybrid';
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
    // `hybrid` is the ranking stage (both lists, then the signals); the others keep one list.
    const rankMode: RankMode = mode === 'hybrid' ? 'ranked' : mode;
    const answers: RankedHit[][] = [];
    for (const [position, text] of queries.entries()) {
      const vector = vectors[position];
      answers.push(
        await searchCode(index, {
          query: text,
          ...(vector ? { vector } : {}),
          k: options.k ?? 10,
          mode: rankMode,
          ...(options.lang?.length ? { languages: options.lang } : {}),
          ...(options.kind?.length ? { kinds: options.kind } : {}),
        }),
      );
    }
    const stale = await staleHitFiles(index, root, options.index, answers.flat());
    const several = queries.length > 1;
    for (const [position, text] of queries.entries()) {
      const hits = answers[position]!;
      if (options.json) {
        terminal.out(jsonLine(text, hits, stale.files, options.explain ?? false));
        continue;
      }
      if (several && position > 0) terminal.out('');
      const style = { rank: colors.bold, location: colors.cyan, name: colors.green, preview: colors.dim };
      for (const line of formatResults(text, hits, {
        header: several,
        style,
        stale: stale.files,
        explain: options.explain ?? false,
      })) {
        terminal.out(line);
      }
    }
    if (stale.files.size > 0) {
      terminal.error(
        `note: ${stale.files.size} file(s) with hits changed or were deleted since they were indexed; refresh with \`${stale.refresh}\``,
      );
    }
  } finally {
    await index.close();
    await embedder.dispose?.();
  }
  return 0;
}

/**
 * The files of these hits that changed or vanished since indexing (compared with the index's
 * manifest: a stat per file, a hash only when the times differ), and the command that
 * refreshes the index with the walk options it was built with.
 */
async function staleHitFiles(
  index: CodeIndex,
  root: string,
  indexFlag: string | undefined,
  hits: readonly RankedHit[],
): Promise<{ files: Map<string, HitFreshness>; refresh: string }> {
  const files = new Map<string, HitFreshness>();
  const manifest = await index.manifest();
  const refresh = indexHint(root, indexFlag, manifest ? walkOptionsFromJson(manifest.walk) : {});
  if (!manifest || hits.length === 0) return { files, refresh };
  const states = await fileStates(
    path.resolve(root),
    manifest,
    hits.map((hit) => hit.filePath),
  );
  for (const [file, state] of states) {
    if (state === 'changed' || state === 'deleted') files.set(file, state);
  }
  return { files, refresh };
}
