import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { identifierParts } from '@codesearch/core';
import { analyseQuery, type RankedHit, stem } from '@codesearch/search';

/** The lines of a hit to show, with the file line numbers they start and end at (inclusive). */
export interface HitLines {
  start: number;
  /** The last line shown; `start - 1` when no line could be shown (no file, no preview). */
  end: number;
  lines: string[];
  /** Lines that contain query words (1-based file line numbers). */
  marked: number[];
  /** `file`: read from the file now; `preview`: the index's preview (the file is stale or unreadable). */
  source: 'file' | 'preview';
}

/** Lines of a hit shown by default, before context. */
export const DEFAULT_MAX_LINES = 6;

/**
 * The lines of files read for one answer, by absolute path (`undefined`: unreadable). Pass the
 * same map for every hit of an answer so that a file is read once.
 */
export type FileLinesCache = Map<string, Promise<string[] | undefined>>;

export interface HitLinesOptions {
  query: string;
  /** Lines of context each side of the chosen lines, within the unit (default 0). */
  context?: number;
  /** Most lines chosen before context is added (default 6). */
  maxLines?: number;
  /** The file changed or vanished since it was indexed: show the index's preview instead. */
  stale?: boolean;
  files?: FileLinesCache;
}

/**
 * The lines of a hit to show: the best window (matchStart..matchEnd) read from the file now,
 * narrowed to at most `maxLines` lines around the lines that contain query words (identifier
 * parts, case-insensitive, lightly stemmed; when none, the window's first lines), widened by
 * `context` lines each side (clamped to the unit). Falls back to `sourcePreview` when the file
 * cannot be read, is shorter than the hit, or is stale (`stale: true`).
 */
export async function hitLines(root: string, hit: RankedHit, options: HitLinesOptions): Promise<HitLines> {
  const maxLines = Math.max(1, options.maxLines ?? DEFAULT_MAX_LINES);
  const context = Math.max(0, options.context ?? 0);
  const terms = queryTerms(options.query);
  const fileLines = options.stale
    ? undefined
    : await readLines(path.resolve(root, hit.filePath), options.files ?? new Map());
  if (fileLines && fileLines.length >= hit.matchEnd) {
    return pickLines({
      lineAt: (line) => fileLines[line - 1] ?? '',
      window: [hit.matchStart, hit.matchEnd],
      // Context may leave the window, never the unit (nor the file).
      bounds: [Math.max(hit.lineNumber, 1), Math.min(hit.endLine, fileLines.length)],
      terms,
      maxLines,
      context,
      source: 'file',
    });
  }
  // The index's preview: the first lines of the hit's window, as they were indexed.
  const preview = (hit.sourcePreview ? hit.sourcePreview.split(/\r?\n/) : []).slice(
    0,
    Math.max(0, hit.matchEnd - hit.matchStart + 1),
  );
  if (preview.length === 0) {
    return { start: hit.matchStart, end: hit.matchStart - 1, lines: [], marked: [], source: 'preview' };
  }
  const last = hit.matchStart + preview.length - 1;
  return pickLines({
    lineAt: (line) => preview[line - hit.matchStart] ?? '',
    window: [hit.matchStart, last],
    bounds: [hit.matchStart, last],
    terms,
    maxLines,
    context,
    source: 'preview',
  });
}

/** The lines to show of a window of numbered lines: chosen by `chooseLines`, widened by context within `bounds`. */
function pickLines(input: {
  lineAt: (line: number) => string;
  window: [number, number];
  bounds: [number, number];
  terms: readonly string[];
  maxLines: number;
  context: number;
  source: HitLines['source'];
}): HitLines {
  const { lineAt, terms } = input;
  const isMarked = (line: number) => terms.length > 0 && matchSpans(lineAt(line), terms).length > 0;
  const chosen = chooseLines(
    input.window[0],
    input.window[1],
    input.maxLines,
    isMarked,
    (line) => lineAt(line).trim() === '',
  );
  const start = Math.max(input.bounds[0], chosen.start - input.context);
  const end = Math.min(input.bounds[1], chosen.end + input.context);
  const lines: string[] = [];
  const marked: number[] = [];
  for (let line = start; line <= end; line++) {
    lines.push(lineAt(line));
    if (isMarked(line)) marked.push(line);
  }
  return { start, end, lines, marked, source: input.source };
}

/** The query's content words (no stop words), lower-case: what marks a line. */
export function queryTerms(query: string): string[] {
  return analyseQuery(query).words;
}

/**
 * Where query words occur in a line, as `[from, to)` character ranges in order: each identifier
 * part of the line (`parseConfig` → parse, Config) equal to a term or its singular, or with the
 * same light stem (`routes`, `router` ~ `route`).
 */
export function matchSpans(line: string, terms: readonly string[]): Array<[number, number]> {
  if (terms.length === 0) return [];
  const stems = new Set(terms.map((term) => stem(term)));
  // The stem misses some plurals (`users` → `users`, `user` → `user`): singulars count as the word.
  const exact = new Set(terms.flatMap((term) => [term, singular(term)]));
  const spans: Array<[number, number]> = [];
  let from = 0;
  for (const part of identifierParts(line)) {
    const at = line.indexOf(part, from);
    if (at < 0) continue;
    from = at + part.length;
    const lower = part.toLowerCase();
    if (exact.has(lower) || exact.has(singular(lower)) || (lower.length >= 3 && stems.has(stem(lower)))) {
      const last = spans.at(-1);
      // Adjacent parts of one identifier (`parse` + `Config`) make one span.
      if (last && last[1] === at) last[1] = from;
      else spans.push([at, from]);
    }
  }
  return spans;
}

/** `users` → `user`, `classes` → `class`; short words and `ss` endings are left alone. */
function singular(word: string): string {
  if (word.length <= 3 || word.endsWith('ss')) return word;
  if (/(?:ss|sh|ch|x)es$/.test(word)) return word.slice(0, -2);
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

/**
 * The block of at most `maxLines` lines of `first..last` to show: the one starting at a marked
 * line that holds the most marked lines (the earliest of equals), pulled back when it would run
 * past `last`; without marked lines, the first lines with blank ones trimmed from the end.
 */
function chooseLines(
  first: number,
  last: number,
  maxLines: number,
  isMarked: (line: number) => boolean,
  isBlank: (line: number) => boolean,
): { start: number; end: number } {
  const marked: number[] = [];
  for (let line = first; line <= last; line++) if (isMarked(line)) marked.push(line);
  if (marked.length === 0) {
    let end = Math.min(last, first + maxLines - 1);
    while (end > first && isBlank(end)) end--;
    return { start: first, end };
  }
  let best = { start: first, end: first, count: -1 };
  for (const [position, from] of marked.entries()) {
    const end = Math.min(last, from + maxLines - 1);
    const start = Math.max(first, end - maxLines + 1);
    let count = 0;
    for (const line of marked.slice(position)) if (line <= end) count++;
    if (count > best.count) best = { start, end, count };
  }
  return { start: best.start, end: best.end };
}

function readLines(file: string, files: FileLinesCache): Promise<string[] | undefined> {
  let lines = files.get(file);
  if (!lines) {
    lines = readFile(file, 'utf8').then(
      (text) => text.split(/\r?\n/),
      () => undefined,
    );
    files.set(file, lines);
  }
  return lines;
}
