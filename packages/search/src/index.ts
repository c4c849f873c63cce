export { isTestUnit, pathRole, pathStems } from './paths.js';
export { analyseQuery, identifierParts, normaliseIdentifier, splitForm, stem } from './query.js';
export { ALL_SIGNALS, type CandidateLists, RANKING, rankCandidates } from './rank.js';
export {
  CANDIDATE_DEPTH,
  DEFAULT_K,
  type FetchedCandidates,
  fetchCandidates,
  MAX_K,
  searchCode,
} from './search.js';
export type {
  Candidate,
  CandidateOptions,
  CandidateSource,
  QueryAnalysis,
  RankedHit,
  RankingSignals,
  RankMode,
  SearchRequest,
  SignalNote,
} from './types.js';
