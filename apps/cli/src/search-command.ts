import { readFile } from 'node:fs/promises';
import { CodesearchError, type EntityKind, type Language } from '@codesearch/core';
import { pathFilter } from '@codesearch/parser';
import { applyGovernor, type GovernorOptions } from './governor.js';
import { formatAnswers, type HitStyle, type OutputFormat, parseQueries } from './search-format.js';
import { type FreshnessReport, SearchService, type ServiceSearchRequest } from './search-service.js';
import { colors, type Terminal } from './terminal.js';

/** Exit codes of `codesearch search`, as grep and rg: 0 hits, 1 none, 2 an error. */
export const SEARCH_EXIT = { found: 0, nothingFound: 1, error: 2 } as const;

export interface SearchCommandOptions extends GovernorOptions {
  path?: string;
  index?: string;
  k?: number;
  /** `hybrid` (default): the ranking stage over both lists; `vector`, `lexical`: one list. */
  mode?: 'hybrid' | 'vector' | 'lexical';
  lang?: Language[];
  kind?: EntityKind[];
  /** Only hits whose root-relative path matches one of these globs (as `index --include`). */
  include?: string[];
  /** Leave out hits whose path matches one of these .gitignore-style patterns (as `index --exclude`). */
  exclude?: string[];
  /** Show the signals behind each hit's score. */
  explain?: boolean;
  json?: boolean;
  /** Only the ranked distinct files. */
  files?: boolean;
  format?: 'human' | 'grep';
  /** `-C`: lines of context each side of the matching lines. */
  context?: number;
  /** Matching lines shown per hit before context. */
  maxLines?: number;
  /** Leave out hits scoring below this share (0–1) of the best hit's score. */
  minScore?: number;
  queriesFile?: string;
  /** `--no-sync` makes this false: answer from the index as it is. */
  sync?: boolean;
  model?: string;
  modelsDir?: string;
}

/** Hit parts in colour; `colors` is plain unless standard output is a terminal. */
const STYLE: HitStyle = {
  location: colors.cyan,
  name: (text) => colors.bold(colors.green(text)),
  detail: colors.dim,
  lineNumber: colors.dim,
  match: (text) => colors.bold(colors.red(text)),
};

/** `codesearch search`: resolves to 0 with hits, 1 when no query found any, 2 on an error (said on stderr). */
export async function runSearch(
  query: string | undefined,
  options: SearchCommandOptions,
  terminal: Terminal,
): Promise<number> {
  try {
    const queries = await queriesOf(query, options.queriesFile);
    const service = await SearchService.open({
      root: options.path ?? '.',
      ...(options.index ? { index: options.index } : {}),
      ...(options.model ? { model: options.model } : {}),
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      ...applyGovernor(options, (message) => terminal.error(message)),
      rootFlag: '--path',
    });
    try {
      const filter = pathFilter({ include: options.include, exclude: options.exclude });
      const mode = options.mode ?? 'hybrid';
      const requests = queries.map(
        (text): ServiceSearchRequest => ({
          query: text,
          k: options.k ?? 10,
          // `hybrid` is the ranking stage (both lists, then the signals); the others keep one list.
          mode: mode === 'hybrid' ? 'ranked' : mode,
          ...(options.lang?.length ? { languages: options.lang } : {}),
          ...(options.kind?.length ? { kinds: options.kind } : {}),
          ...(filter ? { pathFilter: filter } : {}),
        }),
      );
      // The model loads and embeds the queries while the tree is compared with the index.
      const vectors = service.embedQueries(requests);
      vectors.catch(() => {}); // awaited below; a failure is reported there
      // Changed files (at most 50: `ensureFresh`) are re-indexed before answering.
      const freshness = await service.ensureFresh({ sync: options.sync !== false });
      const answers = await service.search(requests, await vectors);
      const stale = await service.staleFiles(
        answers.flatMap((answer) => answer.hits),
        freshness,
      );
      const printed = await formatAnswers(answers, stale, {
        format: outputFormat(options),
        root: service.root,
        context: options.context ?? 0,
        ...(options.maxLines ? { maxLines: options.maxLines } : {}),
        ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
        explain: options.explain ?? false,
        style: STYLE,
        freshness,
      });
      for (const line of printed.lines) terminal.out(line);
      if (freshness.state === 'stale') {
        terminal.error(
          `note: the index may be stale: ${describePending(freshness)}; refresh with \`${freshness.refreshCommand}\``,
        );
      } else if (stale.size > 0) {
        terminal.error(
          `note: ${stale.size} file(s) with hits changed or were deleted since they were indexed; refresh with \`${service.refreshCommand}\``,
        );
      }
      return printed.shown > 0 ? SEARCH_EXIT.found : SEARCH_EXIT.nothingFound;
    } finally {
      await service.close();
    }
  } catch (error) {
    const message =
      CodesearchError.isInstance(error) || error instanceof Error ? error.message : String(error);
    terminal.error(`codesearch: ${message}`);
    return SEARCH_EXIT.error;
  }
}

/** `3 files changed, more than …` or the counts of what is pending and why it was not re-indexed. */
function describePending(report: FreshnessReport): string {
  const { added, changed, deleted, renamed } = report.pending;
  const counts = [
    [added, 'added'],
    [changed, 'changed'],
    [deleted, 'deleted'],
    [renamed, 'renamed'],
  ]
    .filter(([count]) => (count as number) > 0)
    .map(([count, what]) => `${count} ${what}`);
  return [counts.join(', '), report.reason].filter(Boolean).join('; ') || 'unknown';
}

function outputFormat(options: SearchCommandOptions): OutputFormat {
  if (options.json) return 'json';
  if (options.files) return 'files';
  return options.format ?? 'human';
}

/** The query argument, then each line of `--queries-file`; none at all is an error. */
async function queriesOf(query: string | undefined, queriesFile: string | undefined): Promise<string[]> {
  const queries: string[] = [];
  if (query?.trim()) queries.push(query.trim());
  if (queriesFile) {
    const text = await readFile(queriesFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read --queries-file ${queriesFile}: ${error.code ?? error.message}`);
    });
    queries.push(...parseQueries(text));
  }
  if (queries.length === 0) {
    throw new Error('no query (give one, e.g. codesearch search "parse a config file", or --queries-file F)');
  }
  return queries;
}
