#!/usr/bin/env node
/**
 * Sets the ranking constants (`RANKING` of @codesearch/search) on the DEVELOPMENT half of the
 * annotated evaluation only: fetches each dev question's candidate lists once from the indexes
 * `pnpm bench search-eval` built, then scores a small grid of constants by mean NDCG@10 on
 * dev. The test half is never read here; `search-eval` reports it with the chosen constants.
 *
 *   node bench/tune-ranking.mjs            (after `node bench/run.mjs search-eval`)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDist } from './lib/dist.mjs';
import { benchCacheDir, fetchCorpus, loadEvaluation, unitsByFile } from './lib/eval-corpus.mjs';
import { meanAndError, ndcgAt, presentTargets, splitOf } from './lib/eval-metrics.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [store, search, embedderPkg, parser] = await Promise.all(
  ['store', 'search', 'embedder', 'parser'].map((pkg) => loadDist(repoRoot, pkg)),
);
const embedder = embedderPkg.createTransformersEmbedder();
const info = await embedder.describe();
const model = { modelName: info.modelName, modelVersion: info.modelVersion, dimensions: info.dimensions };

const dev = [];
for (const { corpus, questions } of await loadEvaluation()) {
  const root = await fetchCorpus(corpus);
  const units = await unitsByFile(parser, root, corpus);
  const index = await store.openCodeIndex(path.join(benchCacheDir(), 'eval-index', corpus.id), {
    model,
    create: false,
  });
  const mine = questions.filter((question) => splitOf(question.id) === 'dev');
  const outcomes = await embedder.embed(mine.map((question) => question.query));
  for (const [position, question] of mine.entries()) {
    const present = presentTargets(question.targets, units);
    if (present.length === 0) continue;
    const fetched = await search.fetchCandidates(index, {
      query: question.query,
      vector: outcomes[position].vector,
      k: 10,
    });
    dev.push({ question, present: present.length, fetched, category: question.category });
  }
  await index.close();
}
await embedder.dispose?.();

const R = search.RANKING;
const original = JSON.parse(JSON.stringify(R));
function score() {
  const values = dev.map(({ question, present, fetched }) =>
    ndcgAt(
      search.rankCandidates(fetched.analysis, fetched.lists, { k: 10, mode: 'ranked' }),
      question.targets,
      present,
    ),
  );
  return meanAndError(values).mean;
}
function set(params) {
  Object.assign(R, JSON.parse(JSON.stringify(original)));
  R.rrfK = params.rrfK;
  R.fusion = params.fusion;
  R.weights = { ...R.weights, natural: params.natural, mixed: params.mixed };
  R.pathTerms = params.pathTerms;
  R.secondaryPathFactor = params.secondary;
  R.fileCoherence = params.coherence;
  R.diversityFactor = params.diversity;
  R.nameWords = params.nameWords;
  R.mixedNameShare = params.mixedShare;
}
console.log(`dev questions: ${dev.length}; current constants: ${score().toFixed(4)}`);
// The grid that set the shipped constants. A first, wider one (RRF k 10/30/60, natural weights
// up to [1, 1], coherence up to 0.2, diversity 0.85, path terms up to 0.3) ranked the same way:
// score fusion over RRF, natural [2, 1], no coherence, no diversity.
const grid = [];
for (const [fusion, rrfK] of [
  ['rrf', 60],
  ['scores', 0],
])
  for (const natural of [
    [3, 1],
    [2, 1],
  ])
    for (const mixed of [
      [2, 1],
      [1.5, 1.5],
      [1, 2],
    ])
      for (const pathTerms of [0.05, 0.15])
        for (const secondary of [0.5, 0.7])
          for (const coherence of [0, 0.05])
            for (const diversity of [1])
              for (const nameWords of [0, 0.1, 0.2])
                for (const mixedShare of [0, 0.25, 0.5])
                  grid.push({
                    fusion,
                    rrfK,
                    natural,
                    mixed,
                    pathTerms,
                    secondary,
                    coherence,
                    diversity,
                    nameWords,
                    mixedShare,
                  });
const results = grid.map((params) => {
  set(params);
  return { params, ndcg: score() };
});
results.sort((a, b) => b.ndcg - a.ndcg);
for (const { params, ndcg } of results.slice(0, 15)) console.log(ndcg.toFixed(4), JSON.stringify(params));
// How much each constant matters: the best score with it fixed at each value.
for (const key of Object.keys(grid[0])) {
  const best = new Map();
  for (const { params, ndcg } of results) {
    const value = JSON.stringify(params[key]);
    if (!best.has(value) || best.get(value) < ndcg) best.set(value, ndcg);
  }
  console.log(key, [...best].map(([value, ndcg]) => `${value}: ${ndcg.toFixed(4)}`).join('  '));
}
