import { ENTITY_KINDS, type EntityKind, type Language } from '@codesearch/core';
import { pathMatcher, SUPPORTED_LANGUAGES } from '@codesearch/parser';
import type { RankedHit } from '@codesearch/search';
import { z } from 'zod';
import { type FileLinesCache, hitLines } from '../hit-lines.js';
import { formatScore, relativeScore } from '../search-format.js';
import type { FreshnessReport, HitFreshness } from '../search-service.js';
import type { McpSession, ProgressSink } from './session.js';
import { type BudgetBlock, fitToBudget, maxTokensArgument } from './token-budget.js';

/** Lines of a hit chosen around the query's words, before context. */
const HIT_LINES = 8;
/** Lines of context each side of them (within the unit). */
const HIT_CONTEXT = 2;
/** A longer line (minified code) is cut: one line must not eat the budget. */
const MAX_LINE_CHARS = 240;

export const searchInput = {
  query: z.string().trim().min(1).describe('what to find, in words or code'),
  include: z.array(z.string()).optional().describe('only paths matching these globs (e.g. "src/**")'),
  exclude: z.array(z.string()).optional().describe('leave out paths matching these (.gitignore-style)'),
  languages: z
    .array(z.enum(SUPPORTED_LANGUAGES as [Language, ...Language[]]))
    .optional()
    .describe('only these languages'),
  kinds: z
    .array(z.enum(ENTITY_KINDS as [EntityKind, ...EntityKind[]]))
    .optional()
    .describe('only these kinds of unit'),
  k: z.number().int().min(1).max(50).default(10).describe('hits to return (default 10)'),
  mode: z
    .enum(['ranked', 'vector', 'lexical'])
    .default('ranked')
    .describe('ranked (default): meaning and words; vector: meaning; lexical: words'),
  max_tokens: maxTokensArgument,
};

export const searchDescription =
  "Search this codebase by meaning and words. Each hit: `path:start-end name (kind) score [raw score]` (path relative to the root, score relative to the best hit), then its matching lines (`N:` lines hold query words, `N-` lines are context). The index is refreshed first when files changed. Pass a hit's `path:start` to read for the whole unit.";

type SearchArgs = {
  query: string;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  languages?: Language[] | undefined;
  kinds?: EntityKind[] | undefined;
  k: number;
  mode: 'ranked' | 'vector' | 'lexical';
  max_tokens: number;
};

/** The `search` tool: freshness first, then the ranked hits with their lines, fitted to `max_tokens`. */
export async function searchTool(
  session: McpSession,
  args: SearchArgs,
  progress?: ProgressSink,
): Promise<string> {
  const readiness = await session.prepare(progress);
  if (!readiness.ready) return readiness.message;
  const service = session.service;
  const pathFilter =
    args.include?.length || args.exclude?.length
      ? pathMatcher({
          ...(args.include?.length ? { include: args.include } : {}),
          ...(args.exclude?.length ? { exclude: args.exclude } : {}),
        })
      : undefined;
  const [answer] = await service.search([
    {
      query: args.query,
      k: args.k,
      mode: args.mode,
      ...(args.languages?.length ? { languages: args.languages } : {}),
      ...(args.kinds?.length ? { kinds: args.kinds } : {}),
      ...(pathFilter ? { pathFilter } : {}),
    },
  ]);
  const hits = answer?.hits ?? [];
  const stale = await service.staleFiles(hits, readiness.freshness);
  const files: FileLinesCache = new Map();
  const best = bestScore(hits);
  const blocks = await Promise.all(
    hits.map((hit) => hitBlock(service.root, args.query, hit, best, stale.get(hit.filePath), files)),
  );
  const head =
    hits.length === 0
      ? [
          `no hits in ${service.root} (mode ${args.mode}${pathFilter || args.languages?.length || args.kinds?.length ? ', with filters' : ''})`,
        ]
      : [`${hits.length} hit${hits.length === 1 ? '' : 's'}, paths relative to ${service.root}`];
  return fitToBudget(
    {
      head,
      blocks,
      tail: freshnessNotes(readiness.freshness, stale.size),
      hiddenNote: (hidden, shown) =>
        `… ${hidden} ${shown > 0 ? 'more ' : ''}hit${hidden === 1 ? '' : 's'} not shown (max_tokens ${args.max_tokens}); raise max_tokens or narrow the query`,
      linesCutNote: '(lines cut to fit max_tokens; read path:start for a whole unit)',
    },
    args.max_tokens,
  ).text;
}

async function hitBlock(
  root: string,
  query: string,
  hit: RankedHit,
  best: number,
  freshness: HitFreshness | undefined,
  files: FileLinesCache,
): Promise<BudgetBlock> {
  const shown = await hitLines(root, hit, {
    query,
    maxLines: HIT_LINES,
    context: HIT_CONTEXT,
    stale: freshness !== undefined,
    files,
  });
  const marked = new Set(shown.marked);
  const lines = shown.lines.map((text, offset) => {
    const line = shown.start + offset;
    return `${line}${marked.has(line) ? ':' : '-'}${clip(text.trimEnd())}`;
  });
  const relative = relativeScore(hit.score, best);
  const note = freshness
    ? ` [file ${freshness} since indexed${shown.source === 'preview' ? '; indexed lines shown' : ''}]`
    : '';
  return {
    header: `${hit.filePath}:${hit.lineNumber}-${hit.endLine} ${hit.qualifiedName} (${hit.kind}) ${relative.toFixed(2)} [${formatScore(hit.score)}]${note}`,
    lines,
  };
}

/** What was done to the index before answering, or why it could not be brought up to date. */
function freshnessNotes(report: FreshnessReport, staleHits: number): string[] {
  if (report.state === 'refreshed' && report.refreshed) {
    const done = report.refreshed;
    if (done.whole) {
      return [
        `(indexed the tree first: ${done.units} units from ${done.indexed.length} files in ${formatSeconds(done.ms)})`,
      ];
    }
    const files = done.indexed.length + done.removed.length;
    return [`(re-indexed ${files} changed file${files === 1 ? '' : 's'} first)`];
  }
  if (report.state === 'stale') {
    const marked = staleHits > 0 ? '; hits marked [file changed/deleted] may be off' : '';
    return [
      `note: the index is not up to date (${report.reason})${marked}; run \`${report.refreshCommand}\``,
    ];
  }
  return [];
}

function bestScore(hits: readonly RankedHit[]): number {
  return hits.reduce((best, hit) => Math.max(best, hit.score), 0);
}

function clip(line: string): string {
  return line.length <= MAX_LINE_CHARS ? line : `${line.slice(0, MAX_LINE_CHARS - 1)}…`;
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
