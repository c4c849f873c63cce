/**
 * Search quality on questions people ask, annotated by hand (bench/eval): real projects at
 * pinned registry versions, questions in three categories (architecture, semantic, symbol),
 * each with the code spans that answer it, written from reading the code before any result
 * existed and frozen. Each project is indexed by the real `codesearch index` (real model,
 * persistent embedding cache, so reruns embed nothing new); then every question's candidate
 * lists are fetched once and ranked several ways: BM25 alone (lexical), vector alone, the
 * previous hybrid (RRF, vector ×2) and the ranking stage, plus the ranking stage with each
 * signal switched off. NDCG@10 (binary, span overlap), file MRR@10 and file R@10, per split
 * (dev: the half the ranking constants were set on; test: the half reported), per language
 * and per category, with standard errors.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { benchModelArgs, benchModelOptions, modelTag } from '../lib/bench-model.mjs';
import { loadDist } from '../lib/dist.mjs';
import { benchCacheDir, fetchCorpus, loadEvaluation, unitsByFile } from '../lib/eval-corpus.mjs';
import {
  fileMrrAt,
  fileRecallAt,
  meanAndError,
  ndcgAt,
  presentTargets,
  splitOf,
} from '../lib/eval-metrics.mjs';
import { formatTable, summarise } from '../lib/stats.mjs';

export const description =
  'search quality on annotated questions (12 real projects, 7 languages): NDCG@10, file MRR@10 and R@10 per mode, signal, language and category';

const K = 10;
const SIGNALS = [
  'queryTypeWeights',
  'exactName',
  'pathTerms',
  'fileCoherence',
  'testPaths',
  'thinUnits',
  'nested',
  'fileDiversity',
];
/** Rankings compared on the same candidate lists. */
const VARIANTS = [
  { name: 'lexical (BM25)', mode: 'lexical' },
  { name: 'vector', mode: 'vector' },
  { name: 'hybrid (RRF, vector x2)', mode: 'hybrid' },
  { name: 'hybrid + ranking', mode: 'ranked' },
  ...SIGNALS.map((signal) => ({
    name: `  ranking without ${signal}`,
    mode: 'ranked',
    signals: { [signal]: false },
  })),
];

function indexCorpus(repoRoot, corpus, root, log, model) {
  const cli = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  // One index and one cache per model, so that evaluating another model throws nothing away.
  const indexDir = path.join(benchCacheDir(), 'eval-index', modelTag(model.modelVersion), corpus.id);
  const cache = path.join(benchCacheDir(), 'eval-embeddings', modelTag(model.modelVersion), 'cache.json');
  const args = [cli, 'index', root, '--index', indexDir, '--cache', cache, '--json', ...benchModelArgs()];
  for (const glob of corpus.exclude ?? []) args.push('--exclude', glob);
  const started = performance.now();
  const output = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(output.trim().split('\n').at(-1));
  log(
    `${corpus.id}: ${report.summary.total} units, ${report.summary.newlyEmbedded} embedded, ${seconds.toFixed(1)} s`,
  );
  return { indexDir, seconds, units: report.summary.total, embedded: report.summary.newlyEmbedded };
}

function scoreAnswer(hitsList, question, present) {
  return {
    ndcg: ndcgAt(hitsList, question.targets, present.length, K),
    fileMrr: fileMrrAt(hitsList, question.targets, K),
    fileRecall: fileRecallAt(hitsList, question.targets, K),
  };
}

function aggregate(rows, metric) {
  const values = rows.map((row) => row[metric]).filter((value) => value !== undefined);
  return meanAndError(values);
}

const cell = ({ mean, stderr }) => (mean === undefined ? '—' : `${mean.toFixed(3)} ±${stderr.toFixed(3)}`);

export async function run({ repoRoot, log }) {
  const [store, search, embedderPkg, parser] = await Promise.all([
    loadDist(repoRoot, 'store'),
    loadDist(repoRoot, 'search'),
    loadDist(repoRoot, 'embedder'),
    loadDist(repoRoot, 'parser'),
  ]);
  const evaluation = await loadEvaluation();
  const embedder = embedderPkg.createTransformersEmbedder(benchModelOptions());
  const info = await embedder.describe();
  const model = { modelName: info.modelName, modelVersion: info.modelVersion, dimensions: info.dimensions };

  const perQuestion = []; // { corpus, language, category, split, variant, ndcg, fileMrr, fileRecall }
  const corpora = [];
  const latency = { rankMs: [], embedMs: [] };
  for (const { corpus, questions } of evaluation) {
    const root = await fetchCorpus(corpus, log);
    const indexed = indexCorpus(repoRoot, corpus, root, log, model);
    const units = await unitsByFile(parser, root, corpus);
    const index = await store.openCodeIndex(indexed.indexDir, { model, create: false });
    const stats = await index.stats();
    corpora.push({
      id: corpus.id,
      language: corpus.language,
      version: corpus.version,
      questions: questions.length,
      ...indexed,
      rows: stats.rows ?? stats.entities,
    });
    const outcomes = await embedder.embed(questions.map((question) => question.query));
    let missing = 0;
    for (const [position, question] of questions.entries()) {
      const outcome = outcomes[position];
      if (!outcome.ok) throw new Error(`${question.id}: cannot embed the query: ${outcome.error.message}`);
      const present = presentTargets(question.targets, units);
      if (present.length === 0) {
        missing++;
        continue;
      }
      const started = performance.now();
      const fetched = await search.fetchCandidates(index, {
        query: question.query,
        vector: outcome.vector,
        k: K,
      });
      search.rankCandidates(fetched.analysis, fetched.lists, { k: K, mode: 'ranked' });
      latency.rankMs.push(performance.now() - started);
      for (const variant of VARIANTS) {
        const hitsList = search.rankCandidates(fetched.analysis, fetched.lists, {
          k: K,
          mode: variant.mode,
          ...(variant.signals ? { signals: variant.signals } : {}),
        });
        perQuestion.push({
          corpus: corpus.id,
          language: corpus.language,
          category: question.category,
          split: splitOf(question.id),
          variant: variant.name,
          id: question.id,
          ...scoreAnswer(hitsList, question, present),
        });
      }
    }
    // Warm query with the model loaded: embed + fetch + rank, one question at a time.
    for (const question of questions.slice(0, 10)) {
      const started = performance.now();
      const [outcome] = await embedder.embed([question.query]);
      latency.embedMs.push(performance.now() - started);
      await search.searchCode(index, { query: question.query, vector: outcome.vector, k: K });
    }
    if (missing > 0)
      log(`${corpus.id}: ${missing} question(s) whose targets are not in the index were left out`);
    await index.close();
  }
  await embedder.dispose?.();

  const select = (filter) => perQuestion.filter(filter);
  const table = (groupOf, groups, split) => {
    const rows = [['variant', ...groups]];
    for (const variant of VARIANTS) {
      rows.push([
        variant.name,
        ...groups.map((group) =>
          cell(
            aggregate(
              select(
                (row) =>
                  row.variant === variant.name &&
                  groupOf(row) === group &&
                  (split === 'all' || row.split === split),
              ),
              'ndcg',
            ),
          ),
        ),
      ]);
    }
    return rows;
  };
  const result = {
    model,
    corpora,
    k: K,
    variants: {},
    latency: { rankMs: summarise(latency.rankMs), embedMs: summarise(latency.embedMs) },
  };
  const languages = [...new Set(perQuestion.map((row) => row.language))].sort();
  const categories = ['architecture', 'semantic', 'symbol'];
  for (const variant of VARIANTS) {
    const entry = {};
    for (const split of ['dev', 'test', 'all']) {
      const rows = select((row) => row.variant === variant.name && (split === 'all' || row.split === split));
      entry[split] = {
        ndcg: aggregate(rows, 'ndcg'),
        fileMrr: aggregate(rows, 'fileMrr'),
        fileRecall: aggregate(rows, 'fileRecall'),
        byCategory: Object.fromEntries(
          categories.map((category) => [
            category,
            aggregate(
              rows.filter((row) => row.category === category),
              'ndcg',
            ),
          ]),
        ),
        byLanguage: Object.fromEntries(
          languages.map((language) => [
            language,
            aggregate(
              rows.filter((row) => row.language === language),
              'ndcg',
            ),
          ]),
        ),
      };
    }
    result.variants[variant.name] = entry;
  }
  // Paired differences against the ranking stage on the test half: the noise of each comparison.
  const paired = (name) => {
    const base = new Map(
      select((row) => row.variant === 'hybrid + ranking' && row.split === 'test').map((row) => [
        row.id,
        row.ndcg,
      ]),
    );
    const diffs = select((row) => row.variant === name && row.split === 'test').map(
      (row) => base.get(row.id) - row.ndcg,
    );
    return meanAndError(diffs);
  };
  result.pairedTest = Object.fromEntries(VARIANTS.map((variant) => [variant.name, paired(variant.name)]));
  result.questions = perQuestion
    .filter((row) => row.variant === 'hybrid + ranking')
    .map(({ id, split, ndcg }) => ({ id, split, ndcg }));

  const splits = ['dev', 'test', 'all'];
  const overall = [
    [
      'variant',
      ...splits.map((split) => `NDCG@10 ${split}`),
      'file MRR@10 test',
      'file R@10 test',
      'ranking − variant (test)',
    ],
  ];
  for (const variant of VARIANTS) {
    const entry = result.variants[variant.name];
    overall.push([
      variant.name,
      ...splits.map((split) => cell(entry[split].ndcg)),
      cell(entry.test.fileMrr),
      cell(entry.test.fileRecall),
      cell(result.pairedTest[variant.name]),
    ]);
  }
  const corpusRows = [['corpus', 'language', 'version', 'questions', 'units', 'index s']];
  for (const corpus of corpora)
    corpusRows.push([
      corpus.id,
      corpus.language,
      corpus.version,
      corpus.questions,
      corpus.units,
      corpus.seconds.toFixed(1),
    ]);
  const text = [
    formatTable(corpusRows),
    '',
    'NDCG@10 (mean ± standard error), file MRR@10, file R@10; dev = the half the ranking was tuned on, test = held out:',
    formatTable(overall),
    '',
    'NDCG@10 by category, test half:',
    formatTable(table((row) => row.category, categories, 'test')),
    '',
    'NDCG@10 by language, all questions:',
    formatTable(table((row) => row.language, languages, 'all')),
    '',
    `ranked query, model loaded: fetch + rank p50 ${result.latency.rankMs.median?.toFixed(1)} ms; query embedding p50 ${result.latency.embedMs.median?.toFixed(1)} ms`,
  ].join('\n');
  return { result, table: text };
}
