import type { RankedHit } from '@codesearch/search';

/** A hit in a file that changed (`changed`) or vanished (`deleted`) since it was indexed. */
export type HitFreshness = 'changed' | 'deleted';

/** The freshness of each hit's file, by path; files not in it are as indexed. */
export type StaleFiles = ReadonlyMap<string, HitFreshness>;

/** Lines of `sourcePreview` shown under each hit. */
export const PREVIEW_LINES = 3;

/** A `--queries-file`: one query per line; blank lines skipped, surrounding spaces (and `\r`) trimmed. */
export function parseQueries(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * What `--json` prints for one query: one line, the hits without docstrings or previews; a hit
 * whose file changed or vanished since indexing has `stale: "changed" | "deleted"`.
 */
export function jsonLine(
  query: string,
  hits: readonly RankedHit[],
  stale: StaleFiles = new Map(),
  explain = false,
): string {
  return JSON.stringify({
    query,
    results: hits.map((hit) => {
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
        matchStart: hit.matchStart,
        matchEnd: hit.matchEnd,
        ...(hit.folded ? { folded: hit.folded } : {}),
        ...(freshness ? { stale: freshness } : {}),
        ...(explain ? { explanation: hit.explanation } : {}),
      };
    }),
  });
}

/** A score with 4 significant digits: ranked scores ~0.1–2, BM25 scores ~5, cosine ~0.6. */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? Number(score.toPrecision(4)).toString() : String(score);
}

export interface HitStyle {
  rank(text: string): string;
  location(text: string): string;
  name(text: string): string;
  preview(text: string): string;
}

const PLAIN: HitStyle = { rank: (t) => t, location: (t) => t, name: (t) => t, preview: (t) => t };

/**
 * The human form of one hit: `rank. score  file:line-end  qualifiedName (kind)`, the lines that
 * matched when they are not the unit's start, then up to `PREVIEW_LINES` lines of its code
 * (of the matching window), indented; with `explain`, the signals behind the score.
 */
export function formatHit(
  hit: RankedHit,
  rank: number,
  style: HitStyle = PLAIN,
  freshness?: HitFreshness,
  explain = false,
): string[] {
  const note = freshness
    ? `  [${freshness === 'deleted' ? 'file deleted' : 'file changed'} since indexed]`
    : '';
  const lines = [
    `${style.rank(`${rank}.`)} ${formatScore(hit.score)}  ${style.location(`${hit.filePath}:${hit.lineNumber}-${hit.endLine}`)}  ${style.name(hit.qualifiedName)} (${hit.kind})${note}`,
  ];
  if (hit.matchStart > hit.lineNumber)
    lines.push(style.preview(`    matched lines ${hit.matchStart}-${hit.matchEnd}:`));
  const preview = (hit.sourcePreview ?? '').split(/\r?\n/).slice(0, PREVIEW_LINES);
  for (const line of preview) if (line.trim()) lines.push(style.preview(`    ${line.trimEnd()}`));
  if (hit.folded?.length) {
    const names = hit.folded.map((unit) => `${unit.qualifiedName} (${unit.lineNumber}-${unit.endLine})`);
    lines.push(style.preview(`    also matched inside: ${names.join(', ')}`));
  }
  if (explain) {
    for (const note of hit.explanation)
      lines.push(`      ${note.effect.padStart(7)}  ${note.signal}: ${note.detail}`);
  }
  return lines;
}

/** The human form of one query's results. `header` names the query when several are answered. */
export function formatResults(
  query: string,
  hits: readonly RankedHit[],
  options: { header?: boolean; style?: HitStyle; stale?: StaleFiles; explain?: boolean } = {},
): string[] {
  const lines: string[] = options.header ? [`query: ${query}`] : [];
  if (hits.length === 0) lines.push('no results');
  hits.forEach((hit, index) => {
    lines.push(
      ...formatHit(hit, index + 1, options.style, options.stale?.get(hit.filePath), options.explain ?? false),
    );
  });
  return lines;
}
