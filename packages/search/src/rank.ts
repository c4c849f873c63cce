import { CLASS_LIKE_KINDS, type EntityKind } from '@codesearch/core';
import { isTestUnit, pathRole, pathStems } from './paths.js';
import { identifierParts, splitForm, stem } from './query.js';
import type { Candidate, QueryAnalysis, RankedHit, RankingSignals, RankMode, SignalNote } from './types.js';

/** Every signal on: the default ranking. */
export const ALL_SIGNALS: RankingSignals = {
  queryTypeWeights: true,
  exactName: true,
  pathTerms: true,
  fileCoherence: true,
  testPaths: true,
  thinUnits: true,
  nested: true,
  fileDiversity: true,
};

/**
 * The constants of the ranking. Each was set on the development half of the annotated
 * evaluation (`pnpm bench search-eval`), never on the half it reports.
 */
export const RANKING = {
  /** RRF constant (Cormack et al. 2009). */
  rrfK: 60,
  /**
   * How the ranking stage fuses the lists: `rrf` (ranks only) or `scores` (each list's scores
   * divided by the list's best, weighted and summed): scores keep how far apart candidates are.
   */
  fusion: 'scores' as 'rrf' | 'scores',
  /** Vector, lexical weights: the previous fixed fusion, kept as the `hybrid` mode. */
  fixedWeights: [2, 1] as const,
  /** Vector, lexical weights per query type: worded questions lean on meaning, bare names on words. */
  weights: { natural: [2, 1], mixed: [1.5, 1.5], symbol: [1, 2] } as const,
  /** Score added for a unit named as the query's identifier: case-exact, any case, split form. */
  exactName: { exact: 1, anyCase: 0.8, split: 0.6, lastSegment: 0.5 },
  /**
   * Share of the name boost for identifiers inside a sentence: 0 — on dev, any share lowered
   * NDCG (a sentence about `select` is rarely answered by every unit named `select`).
   */
  mixedNameShare: 0,
  /** Share of the name boost for a constructor or a code chunk named after a type. */
  nonDefinitionShare: 0.5,
  /** Among equally named units: the definition before its methods, fields and loose code. */
  kindBonus: { definition: 0.1, method: 0.05, member: 0.03, code: 0 },
  /** A unit whose every name part (two or more) is a query word: `write file atomic` → `writeFileAtomic`. */
  nameWords: 0.2,
  /** Up to this much for the query's words found in the file path. */
  pathTerms: 0.15,
  /** Tests, fixtures, examples, generated and vendored code. */
  secondaryPathFactor: 0.5,
  /** One-line declarations and import blocks on worded questions. */
  thinFactor: 0.85,
  importsFactor: 0.7,
  /**
   * A file's best unit gains up to this much from its file's other strong candidates. 0: it
   * lowered NDCG on dev at every strength tried (0.05, 0.1, 0.2); the signal stays switchable.
   */
  fileCoherence: 0,
  /** Candidates counted for coherence. */
  coherenceDepth: 30,
  /**
   * Each hit of one file after the second is multiplied by this once more. 1 (off): 0.85
   * lowered NDCG on dev — several answers often sit in one file.
   */
  diversityFactor: 1,
} as const;

export interface CandidateLists {
  vector?: readonly Candidate[];
  lexical?: readonly Candidate[];
  named?: readonly Candidate[];
}

interface Unit {
  /** The row shown: the best-ranked window. */
  shown: Candidate;
  shownRank: number;
  vectorRank?: number;
  vectorScore?: number;
  lexicalRank?: number;
  lexicalScore?: number;
  named: boolean;
  score: number;
  notes: SignalNote[];
  folded?: RankedHit['folded'];
}

/** Windows → units: a unit's rank in a list is the rank of its best window among units. */
function collectUnits(lists: CandidateLists): Map<string, Unit> {
  const units = new Map<string, Unit>();
  const add = (list: readonly Candidate[] | undefined, which: 'vector' | 'lexical' | 'named') => {
    if (!list) return;
    let rank = 0;
    const seen = new Set<string>();
    for (const row of list) {
      if (seen.has(row.locationKey)) continue;
      seen.add(row.locationKey);
      rank++;
      let unit = units.get(row.locationKey);
      if (!unit) {
        unit = { shown: row, shownRank: rank, named: false, score: 0, notes: [] };
        units.set(row.locationKey, unit);
      } else if (which !== 'named' && rank < unit.shownRank) {
        unit.shown = row;
        unit.shownRank = rank;
      }
      if (which === 'vector') {
        unit.vectorRank = rank;
        unit.vectorScore = row.score;
      } else if (which === 'lexical') {
        unit.lexicalRank = rank;
        unit.lexicalScore = row.score;
      } else unit.named = true;
    }
  };
  add(lists.vector, 'vector');
  add(lists.lexical, 'lexical');
  add(lists.named, 'named');
  return units;
}

const fixed = (value: number) => value.toFixed(3);
const plus = (value: number) => `+${fixed(value)}`;
const times = (value: number) => `×${value.toFixed(2)}`;

/** Each list's best score, for score fusion. */
interface ListTops {
  vector: number;
  lexical: number;
}

function listTops(units: Iterable<Unit>): ListTops {
  const tops = { vector: 0, lexical: 0 };
  for (const unit of units) {
    tops.vector = Math.max(tops.vector, unit.vectorScore ?? 0);
    tops.lexical = Math.max(tops.lexical, unit.lexicalScore ?? 0);
  }
  return tops;
}

/** Score fusion: each list's score over the list's best, weighted, normalised to at most 1. */
function fuseScores(unit: Unit, weights: readonly number[], tops: ListTops): void {
  const [vectorWeight, lexicalWeight] = weights as [number, number];
  let score = 0;
  if (unit.vectorScore !== undefined && tops.vector > 0) {
    const part = (vectorWeight * unit.vectorScore) / tops.vector;
    score += part;
    unit.notes.push({
      signal: 'vector',
      detail: `rank ${unit.vectorRank}, cosine ${fixed(unit.vectorScore)} of best ${fixed(tops.vector)}, weight ${vectorWeight}`,
      effect: plus(part / (vectorWeight + lexicalWeight)),
    });
  }
  if (unit.lexicalScore !== undefined && tops.lexical > 0) {
    const part = (lexicalWeight * unit.lexicalScore) / tops.lexical;
    score += part;
    unit.notes.push({
      signal: 'lexical',
      detail: `rank ${unit.lexicalRank}, BM25 ${unit.lexicalScore.toFixed(2)} of best ${tops.lexical.toFixed(2)}, weight ${lexicalWeight}`,
      effect: plus(part / (vectorWeight + lexicalWeight)),
    });
  }
  unit.score = score / (vectorWeight + lexicalWeight);
}

function fuse(unit: Unit, weights: readonly [number, number] | readonly number[], normalise: boolean): void {
  const k = RANKING.rrfK;
  const [vectorWeight, lexicalWeight] = weights as [number, number];
  let score = 0;
  if (unit.vectorRank !== undefined) {
    score += vectorWeight / (k + unit.vectorRank);
    unit.notes.push({
      signal: 'vector',
      detail: `rank ${unit.vectorRank}, cosine ${fixed(unit.vectorScore ?? 0)}, weight ${vectorWeight}`,
      effect: plus(vectorWeight / (k + unit.vectorRank)),
    });
  }
  if (unit.lexicalRank !== undefined) {
    score += lexicalWeight / (k + unit.lexicalRank);
    unit.notes.push({
      signal: 'lexical',
      detail: `rank ${unit.lexicalRank}, BM25 ${(unit.lexicalScore ?? 0).toFixed(2)}, weight ${lexicalWeight}`,
      effect: plus(lexicalWeight / (k + unit.lexicalRank)),
    });
  }
  // Normalised so that first in both lists is 1: the boosts below are on that scale.
  const scale = normalise ? (vectorWeight + lexicalWeight) / (k + 1) : 1;
  unit.score = score / scale;
  if (normalise)
    unit.notes.push({
      signal: 'fusion',
      detail: 'normalised: first in both lists = 1',
      effect: fixed(unit.score),
    });
}

function kindBonus(kind: EntityKind): number {
  if (CLASS_LIKE_KINDS.has(kind) || ['function', 'type', 'module', 'constant', 'macro'].includes(kind))
    return RANKING.kindBonus.definition;
  if (kind === 'method') return RANKING.kindBonus.method;
  if (kind === 'code') return RANKING.kindBonus.code;
  return RANKING.kindBonus.member;
}

/**
 * How much of the name boost a unit gets: the definition all of it; a constructor (a method
 * named as its class) and a code chunk named after a type (a Rust `impl Value` block) half —
 * they carry the name but are not where it is defined.
 */
function definitionShare(candidate: Candidate): number {
  if (candidate.kind === 'code') return RANKING.nonDefinitionShare;
  const owner = candidate.parent?.slice(candidate.parent.lastIndexOf('.') + 1);
  if (candidate.kind === 'method' && owner === candidate.name) return RANKING.nonDefinitionShare;
  return 1;
}

/** How closely a unit's name matches one identifier of the query (0 when it does not). */
function nameMatch(candidate: Candidate, identifier: string): { boost: number; how: string } {
  const { name, qualifiedName } = candidate;
  const table = RANKING.exactName;
  const dotted = identifier.includes('.');
  const last = dotted ? identifier.slice(identifier.lastIndexOf('.') + 1) : identifier;
  if (dotted) {
    if (qualifiedName === identifier || qualifiedName.endsWith(`.${identifier}`))
      return { boost: table.exact, how: `qualified name is ${identifier}` };
    const lower = identifier.toLowerCase();
    const qualified = qualifiedName.toLowerCase();
    if (qualified === lower || qualified.endsWith(`.${lower}`))
      return { boost: table.anyCase, how: `qualified name is ${identifier}, ignoring case` };
    if (name === last) return { boost: table.lastSegment, how: `name is ${last}` };
    return { boost: 0, how: '' };
  }
  if (name === identifier || qualifiedName === identifier)
    return { boost: table.exact, how: `name is ${identifier}` };
  if (name.toLowerCase() === identifier.toLowerCase())
    return { boost: table.anyCase, how: `name is ${identifier}, ignoring case` };
  const form = splitForm(identifier);
  if (form.includes(' ') && splitForm(name) === form)
    return { boost: table.split, how: `name ${name} is ${identifier} in another case style` };
  return { boost: 0, how: '' };
}

function applyExactName(unit: Unit, analysis: QueryAnalysis): void {
  const candidate = unit.shown;
  if (analysis.identifiers.length > 0) {
    let best = { boost: 0, how: '' };
    for (const identifier of analysis.identifiers) {
      const match = nameMatch(candidate, identifier);
      if (match.boost > best.boost) best = match;
    }
    if (best.boost > 0) {
      const share = (analysis.type === 'symbol' ? 1 : RANKING.mixedNameShare) * definitionShare(candidate);
      const boost = best.boost * share + kindBonus(candidate.kind) * share;
      unit.score += boost;
      unit.notes.push({
        signal: 'exact name',
        detail: `${best.how} (${candidate.kind})`,
        effect: plus(boost),
      });
      return;
    }
  }
  if (analysis.type === 'symbol') return;
  // A worded question naming every part of an identifier: "write file atomic" → writeFileAtomic.
  const parts = identifierParts(candidate.name).map((part) => stem(part));
  if (parts.length < 2) return;
  const words = new Set(analysis.words.map((word) => stem(word)));
  if (parts.every((part) => words.has(part))) {
    unit.score += RANKING.nameWords;
    unit.notes.push({
      signal: 'name words',
      detail: `every word of ${candidate.name} is in the query`,
      effect: plus(RANKING.nameWords),
    });
  }
}

function applyPathTerms(unit: Unit, analysis: QueryAnalysis, stemsOf: (file: string) => Set<string>): void {
  if (analysis.type === 'symbol' || analysis.words.length === 0) return;
  const stems = stemsOf(unit.shown.filePath);
  const matched = analysis.words.filter((word) => word.length >= 3 && stems.has(stem(word)));
  if (matched.length === 0) return;
  const boost = (RANKING.pathTerms * matched.length) / analysis.words.length;
  unit.score += boost;
  unit.notes.push({
    signal: 'path',
    detail: `${matched.join(', ')} in ${unit.shown.filePath}`,
    effect: plus(boost),
  });
}

function applyTestPaths(unit: Unit, analysis: QueryAnalysis): void {
  if (analysis.wantsTests) return;
  const byPath = pathRole(unit.shown.filePath) === 'secondary';
  if (!byPath && !isTestUnit(unit.shown)) return;
  unit.score *= RANKING.secondaryPathFactor;
  unit.notes.push({
    signal: 'test/example code',
    detail: byPath
      ? `${unit.shown.filePath} is test, example, generated or vendored code`
      : `${unit.shown.qualifiedName} is a test`,
    effect: times(RANKING.secondaryPathFactor),
  });
}

/**
 * A one-line function whose line goes on past its signature holds its code (`def f(x), do: x * 2`,
 * `const double = (x) => x * 2`, `fun area() = w * h`): a definition, not a bare declaration
 * such as `int size();`. Told by the text after the signature.
 */
function isOneLineFunction(candidate: Candidate): boolean {
  const { kind, signature, sourcePreview } = candidate;
  if ((kind !== 'function' && kind !== 'method') || !signature || !sourcePreview) return false;
  const line = sourcePreview.replace(/\s+/g, ' ').trim();
  const at = line.indexOf(signature);
  return at >= 0 && /\w/.test(line.slice(at + signature.length));
}

function applyThinUnits(unit: Unit, analysis: QueryAnalysis): void {
  if (analysis.type === 'symbol') return;
  const { kind, name, lineNumber, endLine } = unit.shown;
  if (kind === 'code' && name === 'imports') {
    unit.score *= RANKING.importsFactor;
    unit.notes.push({ signal: 'thin unit', detail: 'an import block', effect: times(RANKING.importsFactor) });
  } else if (kind !== 'code' && endLine <= lineNumber && !isOneLineFunction(unit.shown)) {
    unit.score *= RANKING.thinFactor;
    unit.notes.push({
      signal: 'thin unit',
      detail: 'a one-line declaration',
      effect: times(RANKING.thinFactor),
    });
  }
}

/** A file's best unit gains from its file's other strong candidates (several hits in one file). */
function applyFileCoherence(ordered: Unit[]): void {
  if (RANKING.fileCoherence === 0) return; // off: no notes that change nothing
  const byFile = new Map<string, Unit[]>();
  for (const unit of ordered.slice(0, RANKING.coherenceDepth)) {
    const list = byFile.get(unit.shown.filePath) ?? [];
    list.push(unit);
    byFile.set(unit.shown.filePath, list);
  }
  for (const [file, units] of byFile) {
    if (units.length < 2) continue;
    const [best, ...others] = units as [Unit, ...Unit[]];
    if (best.score <= 0) continue;
    const support = others.slice(0, 3).reduce((sum, unit) => sum + unit.score, 0) / best.score;
    const boost = RANKING.fileCoherence * Math.min(1, support / 2);
    best.score += boost;
    best.notes.push({
      signal: 'file coherence',
      detail: `${others.length} more candidate(s) in ${file}`,
      effect: plus(boost),
    });
  }
}

const byScore = (a: Unit, b: Unit) =>
  b.score - a.score ||
  a.shown.filePath.localeCompare(b.shown.filePath) ||
  a.shown.lineNumber - b.shown.lineNumber;

function contains(outer: Candidate, inner: Candidate): boolean {
  return (
    outer.filePath === inner.filePath &&
    outer.locationKey !== inner.locationKey &&
    outer.lineNumber <= inner.lineNumber &&
    inner.endLine <= outer.endLine &&
    outer.endLine - outer.lineNumber > inner.endLine - inner.lineNumber
  );
}

/** Picks hits best first: nested units folded into their container, repeated files stepped down. */
function select(ordered: Unit[], k: number, signals: RankingSignals): Unit[] {
  const pool = [...ordered];
  const chosen: Unit[] = [];
  const perFile = new Map<string, number>();
  while (chosen.length < k && pool.length > 0) {
    let bestIndex = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const [index, unit] of pool.entries()) {
      const before = perFile.get(unit.shown.filePath) ?? 0;
      const factor = signals.fileDiversity && before >= 2 ? RANKING.diversityFactor ** (before - 1) : 1;
      const adjusted = unit.score * factor;
      if (adjusted > bestScore + 1e-12) {
        bestScore = adjusted;
        bestIndex = index;
      }
    }
    const [unit] = pool.splice(bestIndex, 1) as [Unit];
    const container = signals.nested ? chosen.find((hit) => contains(hit.shown, unit.shown)) : undefined;
    if (container) {
      container.folded ??= [];
      container.folded.push({
        qualifiedName: unit.shown.qualifiedName,
        lineNumber: unit.shown.lineNumber,
        endLine: unit.shown.endLine,
      });
      continue;
    }
    const before = perFile.get(unit.shown.filePath) ?? 0;
    if (signals.fileDiversity && before >= 2 && RANKING.diversityFactor !== 1) {
      const factor = RANKING.diversityFactor ** (before - 1);
      unit.notes.push({
        signal: 'file diversity',
        detail: `hit ${before + 1} of ${unit.shown.filePath}`,
        effect: times(factor),
      });
      unit.score *= factor;
    }
    perFile.set(unit.shown.filePath, before + 1);
    chosen.push(unit);
  }
  return chosen;
}

function toHit(unit: Unit): RankedHit {
  const row = unit.shown;
  const hit: RankedHit = {
    locationKey: row.locationKey,
    filePath: row.filePath,
    lineNumber: row.lineNumber,
    endLine: row.endLine,
    matchStart: row.windowStart,
    matchEnd: row.windowEnd,
    kind: row.kind,
    name: row.name,
    qualifiedName: row.qualifiedName,
    language: row.language,
    score: unit.score,
    explanation: unit.notes,
  };
  if (row.parent) hit.parent = row.parent;
  if (row.docstring) hit.docstring = row.docstring;
  if (row.signature) hit.signature = row.signature;
  if (row.sourcePreview) hit.sourcePreview = row.sourcePreview;
  if (unit.folded) hit.folded = unit.folded;
  return hit;
}

/**
 * Orders candidate lists into hits. Pure and deterministic: the same lists give the same
 * answer. `vector`/`lexical` keep one list's order; `hybrid` is plain weighted RRF; `ranked`
 * applies every signal switched on in `signals`.
 */
export function rankCandidates(
  analysis: QueryAnalysis,
  lists: CandidateLists,
  options: { k: number; mode: RankMode; signals?: Partial<RankingSignals> },
): RankedHit[] {
  const { k, mode } = options;
  const units = [...collectUnits(lists).values()];
  if (mode === 'vector' || mode === 'lexical') {
    const rankOf = (unit: Unit) => (mode === 'vector' ? unit.vectorRank : unit.lexicalRank);
    const listed = units.filter((unit) => rankOf(unit) !== undefined);
    for (const unit of listed) {
      unit.score = (mode === 'vector' ? unit.vectorScore : unit.lexicalScore) ?? 0;
      unit.notes.push({ signal: mode, detail: `rank ${rankOf(unit)}`, effect: fixed(unit.score) });
    }
    listed.sort((a, b) => rankOf(a)! - rankOf(b)!);
    return listed.slice(0, k).map(toHit);
  }
  if (mode === 'hybrid') {
    const listed = units.filter((unit) => unit.vectorRank !== undefined || unit.lexicalRank !== undefined);
    for (const unit of listed) fuse(unit, RANKING.fixedWeights, false);
    listed.sort(byScore);
    return listed.slice(0, k).map(toHit);
  }
  const signals: RankingSignals = { ...ALL_SIGNALS, ...options.signals };
  const weights = signals.queryTypeWeights ? RANKING.weights[analysis.type] : RANKING.fixedWeights;
  const stemCache = new Map<string, Set<string>>();
  const stemsOf = (file: string) => {
    let stems = stemCache.get(file);
    if (!stems) {
      stems = pathStems(file);
      stemCache.set(file, stems);
    }
    return stems;
  };
  const pool = units.filter(
    (unit) =>
      unit.vectorRank !== undefined || unit.lexicalRank !== undefined || (signals.exactName && unit.named),
  );
  const tops = listTops(pool);
  for (const unit of pool) {
    if (RANKING.fusion === 'scores') fuseScores(unit, weights, tops);
    else fuse(unit, weights, true);
    if (signals.exactName) applyExactName(unit, analysis);
    if (signals.pathTerms) applyPathTerms(unit, analysis, stemsOf);
    if (signals.testPaths) applyTestPaths(unit, analysis);
    if (signals.thinUnits) applyThinUnits(unit, analysis);
  }
  pool.sort(byScore);
  if (signals.fileCoherence) {
    applyFileCoherence(pool);
    pool.sort(byScore);
  }
  return select(pool, k, signals).map(toHit);
}
