/**
 * Search quality, CodeSearchNet style: the first sentence of a docstring is the query, the same
 * function with its docstring removed is the target, every other entity of the corpus (docstrings
 * kept) is a distractor. Two corpora of real code: eight Python stdlib packages and the
 * TypeScript source of rxjs 7.8.1 (from its npm tarball). MRR@10, Recall@1 and Recall@10 per
 * search mode (vector, lexical, hybrid), per fusion (RRF k, weights) and per text-prep variant,
 * with the real model; vectors go through a persistent cache so reruns embed nothing.
 * Also the candidate "no path in vector text" (the `path:` line only on the BM25 side), whether the
 * queries touch the path at all, and a synthetic set of path-style questions ("code in <dir>").
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadDist } from '../lib/dist.mjs';
import {
  firstSentence,
  locationKey,
  MIN_QUERY_WORDS,
  normalise,
  pairedDifference,
  rankOf,
  reciprocalRank10,
  retrievalMetrics,
  spreadSample,
  stripJsDocstring,
  stripPythonDocstrings,
  weightedRrf,
  wordCount,
} from '../lib/docstring-queries.mjs';
import { cachedEmbedder } from '../lib/embed-cached.mjs';
import { scratchDirectory } from '../lib/files.mjs';
import {
  corpusPathMatcher,
  pathQueryScore,
  pathStyleQueries,
  sharedPathWords,
  withoutPathLine,
} from '../lib/path-queries.mjs';
import { STDLIB_PARSE_OPTIONS, stdlibRoot } from '../lib/python-stdlib.mjs';
import { formatTable, summarise } from '../lib/stats.mjs';

export const description =
  'search quality: docstring → code retrieval (MRR@10, R@1, R@10) on Python stdlib packages and rxjs, per mode, fusion and text prep';

/** Python corpus: every function, method and class of these stdlib packages (~2,450 for CPython 3.11). */
const PYTHON_FOLDERS = [
  'collections',
  'concurrent',
  'email',
  'http',
  'importlib',
  'json',
  'logging',
  'urllib',
];
const PYTHON_QUERIES = 600;
const TS_PACKAGE = 'rxjs';
const TS_VERSION = '7.8.1';
const TS_QUERIES = 300;
/** Depth of the vector and lexical lists fused here: the store's hybrid depth for k = 10. */
const DEPTH = 50;
const K = 10;
const MODES = ['vector', 'lexical', 'hybrid'];
/** The ranking stage of `@codesearch/search` (what `codesearch search` answers with). */
const RANKED = 'hybrid + ranking';
/** Fusions of the vector and lexical lists, computed here from the same two lists. */
const FUSIONS = {
  'rrf k=60': { k: 60, weights: [1, 1] },
  'rrf k=10': { k: 10, weights: [1, 1] },
  'rrf k=60, vector x2': { k: 60, weights: [2, 1] },
  'rrf k=60, lexical x2': { k: 60, weights: [1, 2] },
  'rrf k=60, vector x3': { k: 60, weights: [3, 1] },
  'rrf k=10, vector x2': { k: 10, weights: [2, 1] },
};

/** A variant whose embedded text is also the text the lexical (BM25) index covers. */
const sameText = (prepare) => ({ embedded: prepare, lexical: prepare });

/**
 * Text-prep variants, each `{ embedded, lexical }` (entity → text): `embedded` is what the model
 * embeds (the vector list), `lexical` is the record text the store builds its full-text column
 * from (the lexical list). The default, a smaller budget, a header with no path/class/signature,
 * and the candidate product change: the `path:` line only on the lexical side.
 */
function textVariants(createTextPreparator, defaultMaxChars) {
  const standard = createTextPreparator();
  const short = createTextPreparator({ maxChars: 1000 });
  const defaultText = (entity) => standard.prepareEntity(entity).text;
  return {
    [DEFAULT_VARIANT]: sameText(defaultText),
    'maxChars 1000': sameText((entity) => short.prepareEntity(entity).text),
    'short header': sameText((entity) => {
      // kind + qualified name (+ doc when it has one) + code: no path, class, decorators, signature.
      const bare = { ...entity, parent: undefined, decorators: undefined, signature: undefined };
      return withoutPathLine(standard.prepareEntity(bare).text, entity.filePath);
    }),
    [NO_PATH_VARIANT]: {
      // The text a preparator without the `path:` line would give: same character budget, so
      // the characters the line took go to the code (as they would in the product).
      embedded: (entity) => {
        const pathLine = `path: ${entity.filePath}\n`;
        const roomier = createTextPreparator({ maxChars: defaultMaxChars + pathLine.length });
        return withoutPathLine(roomier.prepareEntity(entity).text, entity.filePath);
      },
      // The store would add the path to the search text: the lexical side keeps the default text.
      lexical: defaultText,
    },
  };
}
const DEFAULT_VARIANT = 'default text prep';
/** The candidate: embed the default text without its `path:` line; BM25 still sees the path. */
const NO_PATH_VARIANT = 'no path in vector text';

/**
 * Paired comparisons on per-query reciprocal rank (MRR@10), each `[label, [variant, list], [variant, list]]`:
 * the first minus the second, against what the store does by default (hybrid: RRF k = 60 with the vector
 * list weighted 2, lexical 1 — chosen from this section's numbers; default text).
 */
const COMPARISONS = [
  ['ranking − hybrid', [DEFAULT_VARIANT, RANKED], [DEFAULT_VARIANT, 'hybrid']],
  ['vector − hybrid', [DEFAULT_VARIANT, 'vector'], [DEFAULT_VARIANT, 'hybrid']],
  ['lexical − hybrid', [DEFAULT_VARIANT, 'lexical'], [DEFAULT_VARIANT, 'hybrid']],
  ['rrf equal weights − hybrid', [DEFAULT_VARIANT, 'rrf k=60'], [DEFAULT_VARIANT, 'hybrid']],
  ['rrf k=10, vector x2 − hybrid', [DEFAULT_VARIANT, 'rrf k=10, vector x2'], [DEFAULT_VARIANT, 'hybrid']],
  ['rrf vector x3 − hybrid', [DEFAULT_VARIANT, 'rrf k=60, vector x3'], [DEFAULT_VARIANT, 'hybrid']],
  ['rrf lexical x2 − hybrid', [DEFAULT_VARIANT, 'rrf k=60, lexical x2'], [DEFAULT_VARIANT, 'hybrid']],
  ['maxChars 1000 − default: hybrid', ['maxChars 1000', 'hybrid'], [DEFAULT_VARIANT, 'hybrid']],
  ['maxChars 1000 − default: vector', ['maxChars 1000', 'vector'], [DEFAULT_VARIANT, 'vector']],
  ['maxChars 1000 − default: lexical', ['maxChars 1000', 'lexical'], [DEFAULT_VARIANT, 'lexical']],
  ['short header − default: hybrid', ['short header', 'hybrid'], [DEFAULT_VARIANT, 'hybrid']],
  ['short header − default: vector', ['short header', 'vector'], [DEFAULT_VARIANT, 'vector']],
  ['no path in vector − default: vector', [NO_PATH_VARIANT, 'vector'], [DEFAULT_VARIANT, 'vector']],
  ['no path in vector − default: hybrid', [NO_PATH_VARIANT, 'hybrid'], [DEFAULT_VARIANT, 'hybrid']],
];

// ---------------------------------------------------------------------------------------------
// Corpora

/** Sorted by location, repeated location keys dropped (the store refuses them). */
function orderedUnique(entities) {
  const sorted = [...entities].sort((a, b) =>
    a.filePath < b.filePath ? -1 : a.filePath > b.filePath ? 1 : a.lineNumber - b.lineNumber,
  );
  const seen = new Set();
  const out = [];
  for (const entity of sorted) {
    const key = locationKey(entity);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entity);
  }
  return { entities: out, repeatedKeys: sorted.length - out.length };
}

/**
 * Query candidates: entities of `kinds` whose docstring's first sentence has ≥ 4 words, minus the
 * ambiguous ones (the same sentence begins another entity's docstring), sampled evenly to `count`.
 */
function pickQueries(entities, kinds, count) {
  const sentenceCount = new Map();
  for (const entity of entities) {
    const sentence = normalise(firstSentence(entity.docstring));
    if (sentence) sentenceCount.set(sentence, (sentenceCount.get(sentence) ?? 0) + 1);
  }
  let documented = 0;
  let short = 0;
  let ambiguous = 0;
  const candidates = [];
  for (const entity of entities) {
    if (!kinds.includes(entity.kind) || !entity.docstring) continue;
    documented++;
    const query = firstSentence(entity.docstring);
    if (wordCount(query) < MIN_QUERY_WORDS) {
      short++;
      continue;
    }
    if (sentenceCount.get(normalise(query)) > 1) {
      ambiguous++;
      continue;
    }
    candidates.push({ key: locationKey(entity), query, entity });
  }
  return {
    picked: spreadSample(candidates, count),
    documented,
    short,
    ambiguous,
    candidates: candidates.length,
  };
}

async function pythonCorpus({ repoRoot, python, log }) {
  const { parseDirectory } = await loadDist(repoRoot, 'parser');
  const root = stdlibRoot(python);
  const parsed = await parseDirectory(root, {
    ...STDLIB_PARSE_OPTIONS,
    include: PYTHON_FOLDERS.map((folder) => `${folder}/**`),
  });
  const { entities, repeatedKeys } = orderedUnique(parsed.entities);
  const selection = pickQueries(entities, ['function', 'method'], PYTHON_QUERIES);
  const { stripped, failed } = await stripPythonDocstrings(
    python,
    root,
    selection.picked.map((item) => item.entity),
  );
  log(
    `search-quality: python ${PYTHON_FOLDERS.join(', ')}: ${entities.length} entities, ` +
      `${selection.candidates} query candidates, ${selection.picked.length} sampled, ${failed.length} not strippable`,
  );
  return {
    name: 'python stdlib',
    source: { root, folders: PYTHON_FOLDERS, files: parsed.stats.filesParsed },
    entities,
    repeatedKeys,
    selection,
    targets: stripped,
    stripFailures: failed,
    queryKinds: ['function', 'method'],
  };
}

async function typescriptCorpus({ repoRoot, cacheRoot, scratch, log }) {
  const { parseDirectory } = await loadDist(repoRoot, 'parser');
  const tarball = path.join(cacheRoot, `${TS_PACKAGE}-${TS_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    log(`search-quality: npm pack ${TS_PACKAGE}@${TS_VERSION} into ${cacheRoot}`);
    execFileSync('npm', ['pack', `${TS_PACKAGE}@${TS_VERSION}`, '--silent'], {
      cwd: cacheRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  const unpacked = path.join(scratch, 'npm');
  await mkdir(unpacked, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', unpacked]);
  const root = path.join(unpacked, 'package', 'src');
  const parsed = await parseDirectory(root, { languages: ['typescript'] });
  const { entities, repeatedKeys } = orderedUnique(parsed.entities);
  const selection = pickQueries(entities, ['function', 'method', 'class'], TS_QUERIES);
  const targets = new Map(
    selection.picked.map((item) => [item.key, stripJsDocstring(item.entity, item.query)]),
  );
  const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts')).length;
  log(
    `search-quality: ${TS_PACKAGE} ${TS_VERSION} src/: ${entities.length} entities, ` +
      `${selection.candidates} query candidates, ${selection.picked.length} sampled`,
  );
  return {
    name: `${TS_PACKAGE} ${TS_VERSION} (TypeScript)`,
    source: {
      package: `${TS_PACKAGE}@${TS_VERSION}`,
      tarball,
      tsFiles: files,
      filesParsed: parsed.stats.filesParsed,
    },
    entities,
    repeatedKeys,
    selection,
    targets,
    stripFailures: [],
    queryKinds: ['function', 'method', 'class'],
  };
}

// ---------------------------------------------------------------------------------------------
// One corpus × one text-prep variant: index, search, score

/** The corpus as indexed: targets without their docstrings, everything else as parsed. */
function indexedEntities(corpus) {
  return corpus.entities.map((entity) => corpus.targets.get(locationKey(entity)) ?? entity);
}

/**
 * Queries whose text still appears in its target's prepared text (embedded or lexical, under any
 * variant) are dropped. One filter for all variants, so every variant is scored on the same queries.
 */
function leakFree(corpus, queries, variants) {
  const byKey = new Map(indexedEntities(corpus).map((entity) => [locationKey(entity), entity]));
  const kept = [];
  const leaked = [];
  for (const item of queries) {
    const target = byKey.get(item.key);
    const wanted = normalise(item.query);
    const leaks = Object.values(variants).some(({ embedded, lexical }) =>
      [embedded, lexical].some((prepare) => normalise(prepare(target)).includes(wanted)),
    );
    (leaks ? leaked : kept).push(item);
  }
  return { kept, leaked };
}

/** Fails unless `a` and `b` hold the same queries in the same order (the comparisons are paired). */
function assertSameQueries(a, b, what) {
  const keys = (list) => list.map((item) => `${item.key}\t${item.query}`).join('\n');
  if (keys(a) !== keys(b)) throw new Error(`${what}: the query sets differ (${a.length} vs ${b.length})`);
}

const meanLength = (texts) => texts.reduce((sum, text) => sum + text.length, 0) / texts.length;

async function evaluate({
  store,
  embed,
  corpus,
  queries,
  queryVectors,
  pathQueries,
  variant,
  variantName,
  log,
}) {
  const entities = indexedEntities(corpus);
  const keys = entities.map(locationKey);
  const embeddedTexts = entities.map(variant.embedded);
  // The store builds its full-text column from the record text: the lexical side of the variant.
  const texts = variant.lexical === variant.embedded ? embeddedTexts : entities.map(variant.lexical);
  const before = { ...embed.stats };
  const vectors = await embed.vectors(embeddedTexts, `${corpus.name} / ${variantName}`);
  const embedded = {
    texts: embeddedTexts.length,
    newlyEmbedded: embed.stats.embedded - before.embedded,
    fromCache: embed.stats.cached - before.cached,
    embedSeconds: embed.stats.embedSeconds - before.embedSeconds,
  };
  const { records, skipped } = store.recordsFromEntities({
    entities,
    keys,
    vectors,
    texts,
    digests: embeddedTexts.map(embed.keyOf),
  });
  if (skipped.length) throw new Error(`${corpus.name}: ${skipped.length} records skipped`);
  const scratch = await scratchDirectory('codesearch-bench-quality-');
  try {
    const opened = performance.now();
    const index = await store.openCodeIndex(scratch.directory, { model: embed.model });
    await index.sync(records);
    const indexSeconds = (performance.now() - opened) / 1000;
    const times = { vector: [], lexical: [], hybrid: [] };
    const ranks = Object.fromEntries([...MODES, RANKED, ...Object.keys(FUSIONS)].map((name) => [name, []]));
    let sameAsStoreHybrid = 0;
    // One warm-up query per mode, not counted.
    const warm = { text: queries[0].query, vector: queryVectors[0] };
    for (const mode of MODES) await index.search(warm, { mode, k: K });
    for (const [position, item] of queries.entries()) {
      const query = { text: item.query, vector: queryVectors[position] };
      const timed = async (mode, k) => {
        const started = performance.now();
        const hits = await index.search(query, { mode, k });
        times[mode].push(performance.now() - started);
        return hits.map((hit) => hit.locationKey);
      };
      const vectorList = await timed('vector', DEPTH);
      const lexicalList = await timed('lexical', DEPTH);
      const hybridList = await timed('hybrid', K);
      ranks.vector.push(rankOf(vectorList, item.key));
      ranks.lexical.push(rankOf(lexicalList, item.key));
      ranks.hybrid.push(rankOf(hybridList, item.key));
      // The ranking stage on its own candidate lists (vector, BM25, exact names), as `codesearch search` ranks.
      const fetched = await search.fetchCandidates(index, { query: item.query, vector: query.vector, k: K });
      const ranked = search.rankCandidates(fetched.analysis, fetched.lists, { k: K, mode: 'ranked' });
      ranks[RANKED].push(
        rankOf(
          ranked.map((hit) => hit.locationKey),
          item.key,
        ),
      );
      for (const [name, options] of Object.entries(FUSIONS)) {
        const fused = weightedRrf([vectorList, lexicalList], options).slice(0, DEPTH);
        ranks[name].push(rankOf(fused, item.key));
        if (name === 'rrf k=60, vector x2' && fused.slice(0, K).join('\n') === hybridList.join('\n'))
          sameAsStoreHybrid++;
      }
    }
    const pathStyle = await scorePathQueries(index, pathQueries);
    await index.close();
    const metrics = Object.fromEntries(
      Object.entries(ranks).map(([name, list]) => [name, retrievalMetrics(list)]),
    );
    const summary = Object.fromEntries(
      Object.entries(times).map(([mode, list]) => [mode, summarise(list).median]),
    );
    log(
      `search-quality: ${corpus.name} / ${variantName}: MRR@10 vector ${metrics.vector.mrr10.toFixed(3)}, ` +
        `lexical ${metrics.lexical.mrr10.toFixed(3)}, hybrid ${metrics.hybrid.mrr10.toFixed(3)} ` +
        `(index ${indexSeconds.toFixed(1)} s, ${embedded.newlyEmbedded} newly embedded)`,
    );
    return {
      metrics,
      ranks,
      hybridAgreesWithStoreRrf: sameAsStoreHybrid / queries.length,
      pathStyle,
      timings: {
        embed: embedded,
        indexSeconds,
        searchMedianMs: summary,
        searchDepth: { vector: DEPTH, lexical: DEPTH, hybrid: K },
      },
      meanTextChars: meanLength(embeddedTexts),
      meanLexicalTextChars: meanLength(texts),
    };
  } finally {
    await scratch.remove();
  }
}

/**
 * Path-style questions (`code in <dir or file>`), each mode's top 10: per query `found` and
 * `precision` (see pathQueryScore), and the means per kind (directory, file) and mode.
 */
async function scorePathQueries(index, pathQueries) {
  const perQuery = Object.fromEntries(MODES.map((mode) => [mode, []]));
  for (const item of pathQueries) {
    for (const mode of MODES) {
      const hits = await index.search({ text: item.query, vector: item.vector }, { mode, k: K });
      perQuery[mode].push(
        pathQueryScore(
          hits.map((hit) => hit.locationKey),
          item.relevant,
          K,
        ),
      );
    }
  }
  const mean = (list, field) => list.reduce((sum, score) => sum + score[field], 0) / (list.length || 1);
  const summary = {};
  for (const kind of ['directory', 'file']) {
    const positions = pathQueries.flatMap((item, position) => (item.kind === kind ? [position] : []));
    summary[kind] = { queries: positions.length };
    for (const mode of MODES) {
      const scores = positions.map((position) => perQuery[mode][position]);
      summary[kind][mode] = { found: mean(scores, 'found'), precision: mean(scores, 'precision') };
    }
  }
  return { summary, perQuery };
}

const signed = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;

/**
 * Does the query set exercise the path at all? Queries that name a path or file explicitly, and
 * queries sharing a word with their own target's path (directory or file name), with the paired
 * no-path − default difference on each side of that split (the path line can only help the
 * embedding where the query and the path share words).
 */
function pathInQueries(corpus, queries, results) {
  const filePathOf = new Map(corpus.entities.map((entity) => [locationKey(entity), entity.filePath]));
  const shared = queries.map((item) => sharedPathWords(item.query, filePathOf.get(item.key)));
  const split = (wanted) => {
    const positions = shared.flatMap((words, position) => (words.length > 0 === wanted ? [position] : []));
    const diff = (mode) => {
      if (positions.length === 0) return undefined;
      const rr = (variantName) =>
        positions.map((position) => reciprocalRank10(results[variantName].ranks[mode][position]));
      return pairedDifference(rr(NO_PATH_VARIANT), rr(DEFAULT_VARIANT));
    };
    return { queries: positions.length, vector: diff('vector'), hybrid: diff('hybrid') };
  };
  const namesCorpusPath = corpusPathMatcher(corpus.entities.map((entity) => entity.filePath));
  const naming = queries.filter((item) => namesCorpusPath(item.query));
  return {
    explicit: naming.length,
    explicitSamples: naming.slice(0, 5).map((item) => ({ key: item.key, query: item.query })),
    sharing: split(true),
    notSharing: split(false),
    sharingSamples: queries
      .map((item, position) => ({
        query: item.query,
        filePath: filePathOf.get(item.key),
        words: shared[position],
      }))
      .filter((sample) => sample.words.length > 0)
      .slice(0, 8),
  };
}

/** Paired no-path − default difference of path-style precision, per kind and mode. */
function pathStyleComparison(pathQueries, results) {
  const out = {};
  for (const kind of ['directory', 'file']) {
    const positions = pathQueries.flatMap((item, position) => (item.kind === kind ? [position] : []));
    out[kind] = { queries: positions.length };
    for (const mode of MODES) {
      const precision = (name) =>
        positions.map((position) => results[name].pathStyle.perQuery[mode][position].precision);
      out[kind][mode] = pairedDifference(precision(NO_PATH_VARIANT), precision(DEFAULT_VARIANT));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** `@codesearch/search`, loaded by `run`. */
let search;

export async function run({ repoRoot, benchDir, python, log }) {
  const cacheRoot = path.join(benchDir, 'results', '.cache');
  await mkdir(cacheRoot, { recursive: true });
  const store = await loadDist(repoRoot, 'store');
  search = await loadDist(repoRoot, 'search');
  const { createTextPreparator, DEFAULT_MAX_CHARS } = await loadDist(repoRoot, 'text-prep');
  const variants = textVariants(createTextPreparator, DEFAULT_MAX_CHARS);
  const embed = await cachedEmbedder(
    repoRoot,
    `sqlite://${path.join(cacheRoot, 'search-quality-embeddings.db')}`,
    {
      log,
    },
  );
  const scratch = await scratchDirectory('codesearch-bench-quality-src-');
  const result = {
    description,
    model: embed.model,
    embeddingCache: embed.location,
    method: {
      query: `first sentence of the docstring (first paragraph, up to a JSDoc tag, cut after the first . ! or ?), at least ${MIN_QUERY_WORDS} words`,
      target:
        'the same entity with docstring unset and the docstring removed from its source (Python: the string statement, found with ast; TypeScript: JSDoc sits above the declaration, outside sourceCode)',
      distractors: 'every other entity of the corpus, docstrings kept',
      dropped:
        'ambiguous (the same first sentence starts another entity docstring), not strippable, or leaking (query still a substring of the target text under some variant)',
      correct: `target location key in the top k; MRR@10 = mean of 1/rank for rank ≤ 10, else 0; vector and lexical lists ${DEPTH} deep, store hybrid k = ${K}`,
      fusions: FUSIONS,
    },
    corpora: {},
  };
  const tableRows = [['corpus', 'mode', 'queries', 'MRR@10', 'R@1', 'R@10', 'R@50', 'ms/query']];
  const variantRows = [
    ['corpus', 'text prep', 'mean chars', 'vector MRR', 'lexical MRR', 'hybrid MRR', 'best fusion'],
  ];
  const comparisonRows = [['corpus', 'comparison (MRR@10, paired)', 'Δ', '95% CI', 'queries better / worse']];
  const noPathRows = [['corpus', 'mode', 'text prep', 'MRR@10', 'R@1', 'R@10', 'R@50']];
  const pathStyleRows = [
    [
      'corpus',
      'path-style queries',
      'mode',
      'default found / precision',
      'no path found / precision',
      'Δ precision (95% CI)',
    ],
  ];
  const pathWordRows = [['corpus', 'queries that', 'queries', 'vector Δ (95% CI)', 'hybrid Δ (95% CI)']];
  try {
    const corpora = [
      await pythonCorpus({ repoRoot, python, log }),
      await typescriptCorpus({ repoRoot, cacheRoot, scratch: scratch.directory, log }),
    ];
    for (const corpus of corpora) {
      const strippable = corpus.selection.picked.filter((item) => corpus.targets.has(item.key));
      const { kept: queries, leaked } = leakFree(corpus, strippable, variants);
      // The candidate variant must not change which queries are scored: same set as without it.
      const { [NO_PATH_VARIANT]: _candidate, ...withoutCandidate } = variants;
      assertSameQueries(queries, leakFree(corpus, strippable, withoutCandidate).kept, corpus.name);
      const queryVectors = await embed.vectors(
        queries.map((item) => item.query),
        `${corpus.name} queries`,
      );
      const pathQueries = pathStyleQueries(corpus.entities, locationKey);
      const pathQueryVectors = await embed.vectors(
        pathQueries.map((item) => item.query),
        `${corpus.name} path-style queries`,
      );
      pathQueries.forEach((item, position) => {
        item.vector = pathQueryVectors[position];
      });
      const kinds = {};
      for (const entity of corpus.entities) kinds[entity.kind] = (kinds[entity.kind] ?? 0) + 1;
      const indexed = indexedEntities(corpus);
      const samples = queries.slice(0, 2).map((item) => {
        const target = indexed.find((entity) => locationKey(entity) === item.key);
        return {
          key: item.key,
          query: item.query,
          textHead: variants[DEFAULT_VARIANT].embedded(target).slice(0, 400),
          noPathEmbeddedTextHead: variants[NO_PATH_VARIANT].embedded(target).slice(0, 400),
        };
      });
      const entry = {
        source: corpus.source,
        counts: {
          entitiesIndexed: corpus.entities.length,
          kinds,
          repeatedKeysDropped: corpus.repeatedKeys,
          queryKinds: corpus.queryKinds,
          documented: corpus.selection.documented,
          shortFirstSentence: corpus.selection.short,
          ambiguous: corpus.selection.ambiguous,
          candidates: corpus.selection.candidates,
          sampled: corpus.selection.picked.length,
          notStrippable: corpus.stripFailures.length,
          leaked: leaked.length,
          queries: queries.length,
          distractors: corpus.entities.length - queries.length,
        },
        stripFailures: corpus.stripFailures.slice(0, 20),
        leakedSamples: leaked.slice(0, 5).map((item) => ({ key: item.key, query: item.query })),
        samples,
        variants: {},
      };
      for (const [variantName, variant] of Object.entries(variants)) {
        entry.variants[variantName] = await evaluate({
          store,
          embed,
          corpus,
          queries,
          queryVectors,
          pathQueries,
          variant,
          variantName,
          log,
        });
      }
      // Same lexical text, same BM25 index: the lexical list cannot change. Checked, not assumed.
      const lexicalRanks = (name) => entry.variants[name].ranks.lexical.join(',');
      if (lexicalRanks(NO_PATH_VARIANT) !== lexicalRanks(DEFAULT_VARIANT))
        throw new Error(
          `${corpus.name}: the lexical ranks of "${NO_PATH_VARIANT}" differ from the default's`,
        );
      entry.noPathLexicalIdentical = true;
      entry.pathInQueries = pathInQueries(corpus, queries, entry.variants);
      entry.pathStyleQueries = pathStyleComparison(pathQueries, entry.variants);
      entry.comparisons = {};
      for (const [label, [leftVariant, left], [rightVariant, right]] of COMPARISONS) {
        const rr = (variantName, list) => entry.variants[variantName].ranks[list].map(reciprocalRank10);
        const diff = pairedDifference(rr(leftVariant, left), rr(rightVariant, right));
        entry.comparisons[label] = diff;
        comparisonRows.push([
          corpus.name,
          label,
          signed(diff.mean),
          `${diff.low.toFixed(3)} … ${diff.high.toFixed(3)}`,
          `${diff.better} / ${diff.worse}`,
        ]);
      }
      // Per-query ranks only for the default text prep and the no-path candidate (the rest are summarised above).
      for (const [variantName, figures] of Object.entries(entry.variants)) {
        if (variantName !== DEFAULT_VARIANT && variantName !== NO_PATH_VARIANT) delete figures.ranks;
        figures.pathStyle = figures.pathStyle.summary;
      }
      result.corpora[corpus.name] = entry;

      for (const mode of MODES) {
        for (const variantName of [DEFAULT_VARIANT, NO_PATH_VARIANT]) {
          const m = entry.variants[variantName].metrics[mode];
          noPathRows.push([
            corpus.name,
            mode === 'hybrid' ? 'hybrid (store)' : mode,
            variantName,
            m.mrr10.toFixed(3),
            m.recall1.toFixed(3),
            m.recall10.toFixed(3),
            mode === 'hybrid' ? '—' : m.recall50.toFixed(3),
          ]);
        }
      }
      for (const [kind, row] of Object.entries(entry.pathStyleQueries)) {
        for (const mode of MODES) {
          const [before, after] = [DEFAULT_VARIANT, NO_PATH_VARIANT].map(
            (name) => entry.variants[name].pathStyle[kind][mode],
          );
          const diff = row[mode];
          pathStyleRows.push([
            corpus.name,
            `${kind} (${row.queries})`,
            mode,
            `${before.found.toFixed(3)} / ${before.precision.toFixed(3)}`,
            `${after.found.toFixed(3)} / ${after.precision.toFixed(3)}`,
            `${signed(diff.mean)} (${diff.low.toFixed(3)} … ${diff.high.toFixed(3)})`,
          ]);
        }
      }
      const p = entry.pathInQueries;
      const ci = (diff) =>
        diff ? `${signed(diff.mean)} (${diff.low.toFixed(3)} … ${diff.high.toFixed(3)})` : '—';
      for (const [label, part] of [
        ['shares a path word', p.sharing],
        ['shares none', p.notSharing],
      ]) {
        pathWordRows.push([corpus.name, label, String(part.queries), ci(part.vector), ci(part.hybrid)]);
      }

      const main = entry.variants[DEFAULT_VARIANT];
      for (const name of [...MODES, RANKED, ...Object.keys(FUSIONS)]) {
        const m = main.metrics[name];
        tableRows.push([
          corpus.name,
          name === 'hybrid'
            ? 'hybrid (store: rrf k=60, vector x2)'
            : MODES.includes(name) || name === RANKED
              ? name
              : `  ${name}`,
          String(m.queries),
          m.mrr10.toFixed(3),
          m.recall1.toFixed(3),
          m.recall10.toFixed(3),
          name === 'hybrid' || name === RANKED ? '—' : m.recall50.toFixed(3),
          MODES.includes(name) ? main.timings.searchMedianMs[name].toFixed(1) : '',
        ]);
      }
      for (const [variantName, figures] of Object.entries(entry.variants)) {
        const fusions = Object.keys(FUSIONS).map((name) => [name, figures.metrics[name].mrr10]);
        const [bestName, bestMrr] = fusions.sort((a, b) => b[1] - a[1])[0];
        variantRows.push([
          corpus.name,
          variantName,
          figures.meanTextChars.toFixed(0),
          figures.metrics.vector.mrr10.toFixed(3),
          figures.metrics.lexical.mrr10.toFixed(3),
          figures.metrics.hybrid.mrr10.toFixed(3),
          `${bestName}: ${bestMrr.toFixed(3)}`,
        ]);
      }
    }
  } finally {
    await embed.close();
    await scratch.remove();
  }
  result.embedding = { ...embed.stats };

  const countLines = Object.entries(result.corpora).map(([name, entry]) => {
    const c = entry.counts;
    return (
      `${name}: ${c.entitiesIndexed} entities indexed (${Object.entries(c.kinds)
        .map(([kind, count]) => `${count} ${kind}`)
        .join(', ')}), ${c.queries} queries; of ${c.documented} documented (${c.queryKinds.join(', ')}): ` +
      `${c.shortFirstSentence} first sentence < ${MIN_QUERY_WORDS} words, ${c.ambiguous} ambiguous, ` +
      `${c.candidates} candidates, ${c.sampled} sampled, dropped ${c.notStrippable} not strippable + ${c.leaked} leaking.`
    );
  });
  const table = [
    ...countLines,
    `text prep ${DEFAULT_VARIANT}; vector/lexical lists ${DEPTH} deep (R@50 from them), store hybrid k = ${K} ` +
      `(so no R@50); fusions (indented) are computed here from the same two lists.`,
    formatTable(tableRows),
    '',
    'MRR@10 by text-prep variant (fresh index per variant; same queries and query vectors):',
    formatTable(variantRows),
    '',
    'Paired differences of MRR@10 on the same queries (bootstrap 95% interval; an interval that contains 0 is noise):',
    formatTable(comparisonRows),
    '',
    `The path only on the lexical side ("${NO_PATH_VARIANT}": vectors of the default text without its path: line, ` +
      'BM25 on the default text, fused by the store); lexical ranks identical to the default by construction (checked):',
    formatTable(noPathRows),
    ...Object.entries(result.corpora).map(
      ([name, entry]) =>
        `${name}: ${entry.pathInQueries.explicit} queries name a path or file; ` +
        `${entry.pathInQueries.sharing.queries} share a word with their target's path.`,
    ),
    'no path − default, MRR@10 paired, split by whether the query shares a word with its target path:',
    formatTable(pathWordRows),
    '',
    'Path-style questions ("code in <directory>", "code in <file>", one per directory and file; top 10): ' +
      'found = a hit from there, precision = hits from there / min(10, entities there):',
    formatTable(pathStyleRows),
    `embedding: ${result.embedding.embedded} texts embedded (${result.embedding.embedSeconds.toFixed(0)} s), ` +
      `${result.embedding.cached} served from the cache (${embed.location}).`,
  ].join('\n');
  return { result, table };
}
