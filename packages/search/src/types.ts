import type { Candidate, EntityKind, Language } from '@codesearch/core';

export type { Candidate, CandidateOptions, CandidateSource } from '@codesearch/core';

/**
 * `ranked` (default): the ranking stage over all lists. `hybrid`: plain reciprocal rank fusion
 * (vector ×2, lexical ×1), the previous default. `vector`, `lexical`: one list, one hit per unit.
 */
export type RankMode = 'ranked' | 'hybrid' | 'vector' | 'lexical';

/** The ranking signals, each switchable for measurement (all on by default). */
export interface RankingSignals {
  /** Fusion weights chosen by query type instead of one fixed vector ×2. */
  queryTypeWeights: boolean;
  /** Units named exactly as an identifier of the query (name, qualified name, split forms). */
  exactName: boolean;
  /** Query words in the unit's file path and file name. */
  pathTerms: boolean;
  /** A file with several strong candidates lifts its best unit. */
  fileCoherence: boolean;
  /** Tests (by path or by name: Rust's `mod tests`, `TestX`, `test_x`), fixtures, examples, generated and vendored code count less unless asked for. */
  testPaths: boolean;
  /** One-line declarations and import blocks count less on worded questions. */
  thinUnits: boolean;
  /** A unit inside a better-ranked hit of the same file is folded into it. */
  nested: boolean;
  /** The third and later hits of one file step down, so the list spans more files. */
  fileDiversity: boolean;
}

export interface SearchRequest {
  query: string;
  /** The query embedded by the index's model; without it only the words are used. */
  vector?: Float32Array;
  /** Hits to return (default 10). */
  k?: number;
  mode?: RankMode;
  languages?: readonly Language[];
  kinds?: readonly EntityKind[];
  /** Turn single signals off (measurement, `--explain` comparisons). */
  signals?: Partial<RankingSignals>;
  /**
   * Only units whose file path this accepts (path globs, `--include` / `--exclude`). Applied to
   * the candidate lists, which are then fetched deeper so that k hits can still be found.
   */
  pathFilter?: (filePath: string) => boolean;
}

/** One line of an explanation: which signal, what it saw, what it did to the score. */
export interface SignalNote {
  signal: string;
  detail: string;
  /** The score change: `+0.120` or `×0.60`. */
  effect: string;
}

/** A ranked unit: the candidate's unit fields, with the best window as the lines that matched. */
export interface RankedHit extends Omit<Candidate, 'window' | 'windowStart' | 'windowEnd' | 'score'> {
  /** The lines that matched best: the unit's best window (the whole unit when it has one). */
  matchStart: number;
  matchEnd: number;
  /** The final score; higher is better. Comparable within one answer only. */
  score: number;
  /** Units inside this hit's lines that were folded into it (a method of a class hit). */
  folded?: Array<{ qualifiedName: string; lineNumber: number; endLine: number }>;
  /** The signals behind the score, in the order they were applied. */
  explanation: SignalNote[];
}

/** How the ranking stage read the query. */
export interface QueryAnalysis {
  /** `symbol`: a bare identifier; `mixed`: words with identifiers; `natural`: words only. */
  type: 'symbol' | 'mixed' | 'natural';
  /** Identifiers of the query (backticked, dotted, camelCase, snake_case, or the bare symbol). */
  identifiers: string[];
  /** Lower-case content words (no stop words), for path and name matching. */
  words: string[];
  /** The query asks about tests, fixtures, examples, benchmarks or mocks. */
  wantsTests: boolean;
}
