import path from 'node:path';
import type { RankedHit } from '@codesearch/search';
import { type FileLinesCache, type HitLines, hitLines, matchSpans, queryTerms } from './hit-lines.js';
import type { FreshnessReport } from './refresh.js';

/** A hit in a file that changed (`changed`) or vanished (`deleted`) since it was indexed. */
export type HitFreshness = 'changed' | 'deleted';

/** The freshness of each hit's file, by path; files not in it are as indexed. */
export type StaleFiles = ReadonlyMap<string, HitFreshness>;

/** One query and its ranked hits, best first (`SearchService.search` answers these). */
export interface Answer {
  query: string;
  hits: readonly RankedHit[];
}

/**
 * `human`: each hit's location, name, kind, relative score and matching lines; `grep`: one
 * `path:line: text` line per hit; `files`: the ranked distinct files; `json`: one JSON line per
 * query.
 */
export type OutputFormat = 'human' | 'grep' | 'files' | 'json';

export interface HitStyle {
  location(text: string): string;
  name(text: string): string;
  /** Kind, score, notes. */
  detail(text: string): string;
  lineNumber(text: string): string;
  /** A query word inside a shown line. */
  match(text: string): string;
}

const identity = (text: string) => text;
export const PLAIN: HitStyle = {
  location: identity,
  name: identity,
  detail: identity,
  lineNumber: identity,
  match: identity,
};

export interface PrintOptions {
  format: OutputFormat;
  /** Absolute root of the indexed tree: where the hits' paths start. */
  root: string;
  /** Paths are shown relative to this directory (default: the current directory). */
  cwd?: string;
  /** Lines of context each side of the matching lines (default 0). */
  context?: number;
  /** Matching lines shown per hit before context (default 6). */
  maxLines?: number;
  /** Hits below this relative score (0–1, the best hit is 1) are left out. */
  minScore?: number;
  /** The signals behind each score (human and JSON). */
  explain?: boolean;
  style?: HitStyle;
  /** What was done to keep the answer fresh (in JSON as `freshness`). */
  freshness?: FreshnessReport;
}

export interface PrintedAnswers {
  /** What to write to standard output, line by line. */
  lines: string[];
  /** Hits shown over all queries: 0 means nothing was found (exit 1). */
  shown: number;
}

/** A `--queries-file`: one query per line; blank lines skipped, surrounding spaces (and `\r`) trimmed. */
export function parseQueries(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * A score a person can read: the hit's share of the best hit's (1 for the best, 2 decimals
 * when printed). Raw scores are comparable within one answer only, so this is all they say.
 */
export function relativeScore(score: number, best: number): number {
  if (!(best > 0)) return score === best ? 1 : 0;
  return Math.max(0, score / best);
}

/** A root-relative hit path as seen from `cwd`, with `/` separators (terminals and editors open it). */
export function displayPath(root: string, filePath: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, path.resolve(root, filePath));
  return (relative === '' ? '.' : relative).split(path.sep).join('/');
}

/**
 * Everything printed for the answers of one run, in the chosen format: the lines of each hit are
 * read from its file now (the index's preview for a stale one). `shown` counts the hits left after
 * `minScore`, for the exit code.
 */
export async function formatAnswers(
  answers: readonly Answer[],
  stale: StaleFiles,
  options: PrintOptions,
): Promise<PrintedAnswers> {
  const lines: string[] = [];
  let shown = 0;
  const several = answers.length > 1;
  const files: FileLinesCache = new Map();
  const seenFiles = new Set<string>();
  for (const [position, answer] of answers.entries()) {
    const best = answer.hits[0]?.score ?? 0;
    const hits = answer.hits
      .map((hit) => ({ hit, relative: relativeScore(hit.score, best) }))
      .filter(({ relative }) => relative >= (options.minScore ?? 0));
    shown += hits.length;
    if (options.format === 'files') {
      for (const { hit } of hits) {
        const shownPath = displayPath(options.root, hit.filePath, options.cwd);
        if (seenFiles.has(shownPath)) continue;
        seenFiles.add(shownPath);
        lines.push(shownPath);
      }
      continue;
    }
    const shownLines = await Promise.all(
      hits.map(({ hit }) =>
        hitLines(options.root, hit, {
          query: answer.query,
          context: options.context ?? 0,
          ...(options.maxLines ? { maxLines: options.maxLines } : {}),
          stale: stale.has(hit.filePath),
          files,
        }),
      ),
    );
    const shownHits = hits.map((entry, index) => ({ ...entry, lines: shownLines[index]! }));
    if (options.format === 'json') {
      lines.push(
        jsonLine(answer.query, options.root, shownHits, stale, options.explain ?? false, options.freshness),
      );
    } else if (options.format === 'grep') {
      const terms = queryTerms(answer.query);
      for (const { hit, lines: hitShown } of shownHits) {
        lines.push(grepLine(displayPath(options.root, hit.filePath, options.cwd), hitShown, terms));
      }
    } else {
      if (several && position > 0) lines.push('');
      if (several) lines.push(`query: ${answer.query}`);
      if (hits.length === 0) lines.push('no results');
      const terms = queryTerms(answer.query);
      for (const [index, entry] of shownHits.entries()) {
        if (index > 0) lines.push('');
        lines.push(
          ...formatHit(entry.hit, {
            location: displayPath(options.root, entry.hit.filePath, options.cwd),
            relative: entry.relative,
            lines: entry.lines,
            terms,
            style: options.style ?? PLAIN,
            ...(stale.get(entry.hit.filePath) ? { freshness: stale.get(entry.hit.filePath)! } : {}),
            explain: options.explain ?? false,
          }),
        );
      }
    }
  }
  return { lines, shown };
}

interface ShownHit {
  hit: RankedHit;
  relative: number;
  lines: HitLines;
}

/**
 * What `--json` prints for one query: one line, with the absolute root; each hit without
 * docstring or preview, with its raw and relative score and the lines shown; a hit whose file
 * changed or vanished since indexing has `stale: "changed" | "deleted"`.
 */
export function jsonLine(
  query: string,
  root: string,
  hits: readonly ShownHit[],
  stale: StaleFiles = new Map(),
  explain = false,
  freshness?: FreshnessReport,
): string {
  return JSON.stringify({
    query,
    root,
    ...(freshness ? { freshness: freshnessJson(freshness) } : {}),
    results: hits.map(({ hit, relative, lines }) => {
      const freshness = stale.get(hit.filePath);
      return {
        filePath: hit.filePath,
        lineNumber: hit.lineNumber,
        endLine: hit.endLine,
        qualifiedName: hit.qualifiedName,
        name: hit.name,
        kind: hit.kind,
        language: hit.language,
        score: hit.score,
        relativeScore: Number(relative.toFixed(4)),
        matchStart: hit.matchStart,
        matchEnd: hit.matchEnd,
        lines: { start: lines.start, end: lines.end, text: lines.lines.join('\n') },
        ...(hit.folded ? { folded: hit.folded } : {}),
        ...(freshness ? { stale: freshness } : {}),
        ...(explain ? { explanation: hit.explanation } : {}),
      };
    }),
  });
}

/** The freshness report as `--json` shows it: the state, what is pending, what was re-indexed. */
function freshnessJson(report: FreshnessReport) {
  return {
    state: report.state,
    pending: report.pending,
    ...(report.reason ? { reason: report.reason, refreshCommand: report.refreshCommand } : {}),
    ...(report.refreshed
      ? {
          refreshed: {
            files: report.refreshed.indexed.length + report.refreshed.removed.length,
            units: report.refreshed.units,
            embedded: report.refreshed.embedded,
            ms: report.refreshed.ms,
          },
        }
      : {}),
  };
}

/**
 * `path:line: text` for the hit's best line: among the shown lines with query words, the one
 * with the most different ones (the first of equals); without any, the first line shown.
 */
export function grepLine(location: string, shown: HitLines, terms: readonly string[]): string {
  let bestLine = shown.start;
  let bestCount = 0;
  for (const line of shown.marked) {
    const text = shown.lines[line - shown.start] ?? '';
    const words = new Set(matchSpans(text, terms).map(([from, to]) => text.slice(from, to).toLowerCase()));
    if (words.size > bestCount) {
      bestLine = line;
      bestCount = words.size;
    }
  }
  return `${location}:${bestLine}: ${(shown.lines[bestLine - shown.start] ?? '').trim()}`;
}

export interface HitView {
  /** The hit's path as shown (relative to the current directory). */
  location: string;
  relative: number;
  lines: HitLines;
  terms: readonly string[];
  style?: HitStyle;
  freshness?: HitFreshness;
  explain?: boolean;
}

/**
 * The human form of one hit: `path:start-end  qualifiedName (kind)  score`, then its lines
 * numbered as grep -n does (`12:` a line with query words, `13-` one without), query words
 * highlighted; folded units, and with `explain` the signals behind the score.
 */
export function formatHit(hit: RankedHit, view: HitView): string[] {
  const style = view.style ?? PLAIN;
  const note = view.freshness
    ? `  [${view.freshness === 'deleted' ? 'file deleted' : 'file changed'} since indexed]`
    : '';
  const lines = [
    `${style.location(`${view.location}:${hit.lineNumber}-${hit.endLine}`)}  ${style.name(hit.qualifiedName)} ${style.detail(`(${hit.kind})${note}  ${view.relative.toFixed(2)}`)}`,
  ];
  const width = String(view.lines.end).length;
  const marked = new Set(view.lines.marked);
  for (const [offset, text] of view.lines.lines.entries()) {
    const line = view.lines.start + offset;
    const number = `${String(line).padStart(width)}${marked.has(line) ? ':' : '-'}`;
    const code = text.trimEnd();
    lines.push(`  ${style.lineNumber(number)}${code ? ` ${highlight(code, view.terms, style)}` : ''}`);
  }
  if (hit.folded?.length) {
    const names = hit.folded.map((unit) => `${unit.qualifiedName} (${unit.lineNumber}-${unit.endLine})`);
    lines.push(style.detail(`  also matched inside: ${names.join(', ')}`));
  }
  if (view.explain) {
    lines.push(style.detail(`  score ${formatScore(hit.score)}:`));
    for (const explanation of hit.explanation)
      lines.push(`    ${explanation.effect.padStart(7)}  ${explanation.signal}: ${explanation.detail}`);
  }
  return lines;
}

/** A raw score with 4 significant digits: ranked scores ~0.1–2, BM25 scores ~5, cosine ~0.6. */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? Number(score.toPrecision(4)).toString() : String(score);
}

function highlight(text: string, terms: readonly string[], style: HitStyle): string {
  let result = '';
  let from = 0;
  for (const [start, end] of matchSpans(text, terms)) {
    result += text.slice(from, start) + style.match(text.slice(start, end));
    from = end;
  }
  return result + text.slice(from);
}
