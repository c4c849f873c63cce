import { CodesearchError } from '@codesearch/core';
import { analyseQuery } from './query.js';
import { type CandidateLists, rankCandidates } from './rank.js';
import type {
  Candidate,
  CandidateOptions,
  CandidateSource,
  QueryAnalysis,
  RankedHit,
  RankMode,
  SearchRequest,
} from './types.js';

/** Hits returned when `k` is not given. */
export const DEFAULT_K = 10;
/** The most hits one query may ask for. */
export const MAX_K = 10_000;
/** Candidates fetched from each list: deep enough that a boost can lift a unit into the top 10. */
export const CANDIDATE_DEPTH = 60;
/** How much deeper candidates are fetched when a path filter will drop some. */
export const FILTERED_DEPTH_FACTOR = 10;
/** Units fetched by exact name: overloads and same-named methods of many classes. */
const NAMED_DEPTH = 50;

function invalid(message: string): CodesearchError {
  return new CodesearchError(message, { code: 'INVALID_QUERY', stage: 'search' });
}

/** The query as read, and the candidate lists fetched for it. */
export interface FetchedCandidates {
  analysis: QueryAnalysis;
  lists: CandidateLists;
  k: number;
  mode: RankMode;
}

/**
 * Checks a request and fetches the candidate lists its mode needs: vector, full text and, for
 * identifiers, exact names. Separate from ranking so one fetch can be ranked several ways.
 */
export async function fetchCandidates(
  source: CandidateSource,
  request: SearchRequest,
): Promise<FetchedCandidates> {
  const query = typeof request.query === 'string' ? request.query.trim() : '';
  if (query === '') throw invalid('empty query: give words or a name to search for');
  const k = request.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K)
    throw invalid(`k must be an integer from 1 to ${MAX_K}, got ${k}`);
  const mode = request.mode ?? 'ranked';
  if (mode === 'vector' && !request.vector)
    throw invalid('vector mode needs the query embedded (request.vector)');

  const analysis = analyseQuery(query);
  const filter = request.pathFilter;
  const options: CandidateOptions = {
    // A path filter drops candidates after the fetch: fetch deeper to keep k hits findable.
    depth: Math.max(CANDIDATE_DEPTH, k * 3) * (filter ? FILTERED_DEPTH_FACTOR : 1),
    ...(request.languages?.length ? { languages: request.languages } : {}),
    ...(request.kinds?.length ? { kinds: request.kinds } : {}),
  };
  const wantsNames =
    mode === 'ranked' && request.signals?.exactName !== false && analysis.identifiers.length > 0;
  const names = new Set<string>();
  for (const identifier of analysis.identifiers) {
    names.add(identifier);
    names.add(identifier.slice(identifier.lastIndexOf('.') + 1));
  }
  const [vector, lexical, named] = await Promise.all([
    mode !== 'lexical' && request.vector ? source.vectorCandidates(request.vector, options) : undefined,
    mode !== 'vector' ? source.lexicalCandidates(query.replace(/`/g, ''), options) : undefined,
    wantsNames ? source.namedCandidates([...names], { ...options, depth: NAMED_DEPTH }) : undefined,
  ]);
  const kept = (list: Candidate[] | undefined) =>
    list && filter ? list.filter((candidate) => filter(candidate.filePath)) : list;
  const lists: CandidateLists = {
    ...(vector ? { vector: kept(vector)! } : {}),
    ...(lexical ? { lexical: kept(lexical)! } : {}),
    ...(named ? { named: kept(named)! } : {}),
  };
  return { analysis, lists, k, mode };
}

/** One question against an index: its candidate lists ranked into at most `k` hits. */
export async function searchCode(source: CandidateSource, request: SearchRequest): Promise<RankedHit[]> {
  const { analysis, lists, k, mode } = await fetchCandidates(source, request);
  return rankCandidates(analysis, lists, {
    k,
    mode,
    ...(request.signals ? { signals: request.signals } : {}),
  });
}
