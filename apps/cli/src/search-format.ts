import type { SearchHit } from '@codesearch/store';

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
export function jsonLine(query: string, hits: readonly SearchHit[], stale: StaleFiles = new Map()): string {
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
        ...(freshness ? { stale: freshness } : {}),
      };
    }),
  });
}

/** A score with 4 significant digits: RRF scores are ~0.016, BM25 scores ~5, cosine ~0.6. */
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
 * The human form of one hit: `rank. score  file:line  qualifiedName (kind)`, then up to
 * `PREVIEW_LINES` lines of its code, indented.
 */
export function formatHit(
  hit: SearchHit,
  rank: number,
  style: HitStyle = PLAIN,
  freshness?: HitFreshness,
): string[] {
  const note = freshness
    ? `  [${freshness === 'deleted' ? 'file deleted' : 'file changed'} since indexed]`
    : '';
  const lines = [
    `${style.rank(`${rank}.`)} ${formatScore(hit.score)}  ${style.location(`${hit.filePath}:${hit.lineNumber}`)}  ${style.name(hit.qualifiedName)} (${hit.kind})${note}`,
  ];
  const preview = (hit.sourcePreview ?? '').split(/\r?\n/).slice(0, PREVIEW_LINES);
  for (const line of preview) if (line.trim()) lines.push(style.preview(`    ${line.trimEnd()}`));
  return lines;
}

/** The human form of one query's results. `header` names the query when several are answered. */
export function formatResults(
  query: string,
  hits: readonly SearchHit[],
  options: { header?: boolean; style?: HitStyle; stale?: StaleFiles } = {},
): string[] {
  const lines: string[] = options.header ? [`query: ${query}`] : [];
  if (hits.length === 0) lines.push('no results');
  hits.forEach((hit, index) => {
    lines.push(...formatHit(hit, index + 1, options.style, options.stale?.get(hit.filePath)));
  });
  return lines;
}
