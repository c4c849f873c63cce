import type { EntityKind, Language, LocationKey } from './entity.js';

/**
 * One row an index returns for a candidate list: a unit, or one window of a long unit, with
 * the list's own score; everything needed to rank and show it, without the vector or the
 * prepared text. The contract between an index (`@codesearch/store`) and the ranking stage
 * (`@codesearch/search`).
 */
export interface Candidate {
  locationKey: LocationKey;
  /** 0-based window of the unit (0 for a unit embedded whole). */
  window: number;
  /** File lines of that window: the lines that matched. */
  windowStart: number;
  windowEnd: number;
  filePath: string;
  lineNumber: number;
  endLine: number;
  kind: EntityKind;
  name: string;
  qualifiedName: string;
  parent?: string;
  language: Language;
  docstring?: string;
  signature?: string;
  sourcePreview?: string;
  /** The list's own score: cosine (vector), BM25 (lexical), 1 (name). Higher is better. */
  score: number;
}

/** Which rows a candidate query may return, and how many. */
export interface CandidateOptions {
  /** Most candidates returned. */
  depth: number;
  /** Only rows of these languages (an empty list: no filter). */
  languages?: readonly Language[];
  /** Only rows of these kinds (an empty list: no filter). */
  kinds?: readonly EntityKind[];
}

/** What the ranking stage needs from an index (`@codesearch/store`'s `CodeIndex` is one). */
export interface CandidateSource {
  /** The rows nearest to `vector` by cosine similarity, best first. */
  vectorCandidates(vector: Float32Array, options: CandidateOptions): Promise<Candidate[]>;
  /** The rows best matching `text` by BM25, best first. */
  lexicalCandidates(text: string, options: CandidateOptions): Promise<Candidate[]>;
  /** Window-0 rows whose name or qualified name equals one of `names`, ignoring case. */
  namedCandidates(names: readonly string[], options: CandidateOptions): Promise<Candidate[]>;
}
