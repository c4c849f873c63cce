/**
 * The approximate vector index of @codesearch/store (IVF_HNSW_SQ, cosine), measured through the
 * store's own API (openCodeIndex, sync/syncStream, vectorCandidates, search):
 *
 * - threshold: exhaustive (exact) vs ANN `vectorCandidates` p50 on synthetic tables of 2k–100k
 *   rows, the same table searched both ways (the ANN index forced with `annThreshold: 0`);
 * - real: recall@10 against exact search on the real model's vectors — the combined eval
 *   tree's index (~11k units, ~15k rows) with the index forced on, queries = the 334 eval
 *   questions embedded by the real model + 100 held-out rows; then the same vectors plus noisy
 *   copies to ~200k rows. Ground truth is a brute-force dot product here, not LanceDB;
 * - scale: `--rows` (default 1,000,000) clustered synthetic unit vectors written by
 *   `syncStream`: data build, ANN training time, disk size, p50/p95 of `vectorCandidates`
 *   (depth 10 and 50, with and without a 1 % language filter) and of a whole hybrid `search`,
 *   recall@10 against brute force, and a partial sync (one file) on top.
 *
 *   node bench/run.mjs ann                      # 1M rows (~30 min on 2 busy cores)
 *   ANN_ROWS=100000 node bench/run.mjs ann      # quicker (ANN_SKIP=threshold,real: only scale)
 *   node bench/sections/ann.mjs --rows 100000 [--skip threshold,real,scale] [--sizes 2000,5000]
 *   node bench/sections/ann.mjs --skip threshold,real --reuse <index dir of a scale run> (latency, recall)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { combinedCache, combinedTree } from '../lib/combined-tree.mjs';
import { benchCacheDir, loadEvaluation } from '../lib/eval-corpus.mjs';
import { mulberry32 as generator } from '../lib/random.mjs';
import { formatTable, roundDeep } from '../lib/stats.mjs';

export const description =
  'ann: exact vs approximate vector search (threshold sweep), recall@10 on real vectors (15k and ~200k rows), latency/build/disk at 1M rows';

const DIMS = 384;
const PER_FILE = 20;
const THRESHOLD_SIZES = [2_000, 5_000, 10_000, 20_000, 50_000, 100_000];
const QUERIES = 40;
const TRUTH_QUERIES = 30;
export const SYNTHETIC_MODEL = { modelName: 'bench/clusters', modelVersion: 'v1', dimensions: DIMS };

function normalise(vector) {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

/** Unit vectors around 2,000 random centres (like embeddings of related code): a seeded stream. */
function clusters(seed) {
  const random = generator(seed);
  const centres = Array.from({ length: 2_000 }, () =>
    normalise(Float32Array.from({ length: DIMS }, () => random() * 2 - 1)),
  );
  return () => {
    const centre = centres[Math.floor(random() * centres.length)];
    return normalise(centre.map((value) => value + (random() * 2 - 1) * 0.08));
  };
}

function syntheticRecord(i, vector) {
  const file = `src/pkg${Math.floor(i / 10_000)}/module${Math.floor(i / PER_FILE)}.py`;
  const line = (i % PER_FILE) * 10 + 1;
  const name = `handler_${i}`;
  return {
    locationKey: `${file}:${line}`,
    window: 0,
    windowStart: line,
    windowEnd: line + 8,
    filePath: file,
    lineNumber: line,
    endLine: line + 8,
    kind: i % 4 === 0 ? 'method' : 'function',
    name,
    qualifiedName: name,
    // 1 % Go: a filter that leaves few rows in the probed partitions.
    language: i % 100 === 7 ? 'go' : 'python',
    text: `def ${name}(request):\n    """Handle request ${i % 997} of queue ${i % 31}."""\n    return route(request, ${i})`,
    contentDigest: `synthetic:${i}`,
    vector,
  };
}

/**
 * The records of a synthetic table of `rows` rows, in chunks (`syncStream`), and their vectors;
 * with `editEvery`, every such row gets new content (another digest, its vector moved).
 */
export function syntheticChunks(rows, seed, keep, editEvery = 0) {
  return (async function* () {
    const next = clusters(seed);
    const chunk = 8_192;
    for (let start = 0; start < rows; start += chunk) {
      const records = [];
      for (let i = start; i < Math.min(rows, start + chunk); i++) {
        const vector = next();
        keep?.set(vector, i * DIMS);
        const record = syntheticRecord(i, vector);
        if (editEvery && i % editEvery === 3) {
          record.contentDigest = `edited:${i}`;
          record.vector = normalise(vector.map((value, j) => value + (j % 7 === i % 7 ? 0.05 : 0)));
        }
        records.push(record);
      }
      yield records;
    }
  })();
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function timed(queries, run) {
  await run(queries[0]); // warm
  const times = [];
  for (const query of queries) {
    const started = performance.now();
    await run(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), queries: queries.length };
}

/** The keys of the `k` rows of `matrix` (row-major, `DIMS` wide) most similar to `query`. */
function bruteForce(matrix, keys, query, k, accept = () => true) {
  const best = [];
  const rows = matrix.length / DIMS;
  for (let row = 0; row < rows; row++) {
    if (!accept(row)) continue;
    let dot = 0;
    const offset = row * DIMS;
    for (let j = 0; j < DIMS; j++) dot += matrix[offset + j] * query[j];
    if (best.length < k || dot > best[best.length - 1].dot) {
      best.push({ dot, row });
      best.sort((a, b) => b.dot - a.dot);
      if (best.length > k) best.pop();
    }
  }
  return best.map(({ row }) => keys(row));
}

function recallOf(truths, results) {
  let found = 0;
  let total = 0;
  truths.forEach((truth, i) => {
    const got = new Set(results[i]);
    found += truth.filter((key) => got.has(key)).length;
    total += truth.length;
  });
  return total ? found / total : null;
}

async function directorySize(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}

async function loadStore(repoRoot) {
  const entry = path.join(repoRoot, 'packages/store/dist/index.js');
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`pnpm build\` first (or use \`pnpm bench\`).`);
  return import(pathToFileURL(entry).href);
}

// ── threshold ─────────────────────────────────────────────────────────────────────────────

async function thresholdSweep(store, sizes, log) {
  const results = [];
  for (const rows of sizes) {
    const dir = await mkdtemp(path.join(tmpdir(), 'codesearch-ann-'));
    try {
      const exact = await store.openCodeIndex(dir, { model: SYNTHETIC_MODEL, annThreshold: Infinity });
      await exact.syncStream(syntheticChunks(rows, 1));
      const next = clusters(1);
      const queries = Array.from({ length: QUERIES }, next);
      const exactTimes = await timed(queries, (q) => exact.vectorCandidates(q, { depth: 50 }));
      await exact.close();
      const ann = await store.openCodeIndex(dir, { model: SYNTHETIC_MODEL, annThreshold: 0 });
      const started = performance.now();
      await ann.syncStream(syntheticChunks(rows, 1)); // unchanged rows: trains the index only
      const trainSeconds = (performance.now() - started) / 1000;
      const annTimes = await timed(queries, (q) => ann.vectorCandidates(q, { depth: 50 }));
      const stats = await ann.stats();
      await ann.close();
      results.push({
        rows,
        exact: exactTimes,
        ann: annTimes,
        trainSeconds,
        partitions: stats.ann?.partitions,
      });
      log(
        `threshold ${rows}: exact p50 ${exactTimes.p50.toFixed(1)} ms, ann p50 ${annTimes.p50.toFixed(1)} ms`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

// ── real vectors ──────────────────────────────────────────────────────────────────────────

/** An index of the combined eval tree: one another section built, or built here (CLI). */
async function combinedIndex(repoRoot, log) {
  const base = benchCacheDir();
  for (const candidate of ['mcp-index', 'freshness/index', 'watch/index', 'ann/combined-index']) {
    const dir = path.join(base, candidate);
    if (existsSync(path.join(dir, 'codesearch-index.json'))) return dir;
  }
  const dir = path.join(base, 'ann/combined-index');
  const tree = await combinedTree(log);
  log(`indexing the combined tree into ${dir}`);
  const cli = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  execFileSync(
    process.execPath,
    [cli, 'index', tree, '--index', dir, '--cache', await combinedCache(), '--json'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return dir;
}

async function realRecords(repoRoot, indexDir) {
  const marker = JSON.parse(await readFile(path.join(indexDir, 'codesearch-index.json'), 'utf8'));
  const require = createRequire(path.join(repoRoot, 'packages/store/package.json'));
  const lancedb = require('@lancedb/lancedb');
  const db = await lancedb.connect(path.join(indexDir, marker.generation));
  const table = await db.openTable('code');
  const rows = await table.query().toArray();
  table.close();
  db.close();
  const records = rows.map((row) => {
    const record = {
      locationKey: row.locationKey,
      window: row.window,
      windowStart: row.windowStart,
      windowEnd: row.windowEnd,
      filePath: row.filePath,
      lineNumber: row.lineNumber,
      endLine: row.endLine,
      kind: row.kind,
      name: row.name,
      qualifiedName: row.qualifiedName,
      language: row.language,
      text: row.text,
      contentDigest: row.contentDigest,
      vector: Float32Array.from(row.vector),
    };
    for (const field of ['parent', 'docstring', 'signature', 'sourcePreview']) {
      if (typeof row[field] === 'string') record[field] = row[field];
    }
    return record;
  });
  const model = {
    modelName: marker.modelName,
    modelVersion: marker.modelVersion,
    dimensions: marker.dimensions,
  };
  return { records, model };
}

/** `syncStream` takes chunks of whole files (a unit's windows in one chunk). */
async function* chunksByFile(records, size = 8_192) {
  const byFile = new Map();
  for (const record of records) {
    const list = byFile.get(record.filePath) ?? [];
    list.push(record);
    byFile.set(record.filePath, list);
  }
  let chunk = [];
  for (const list of byFile.values()) {
    chunk.push(...list);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function questionVectors(repoRoot) {
  const { createTransformersEmbedder, defaultModelsDir } = await import(
    pathToFileURL(path.join(repoRoot, 'packages/embedder/dist/index.js')).href
  );
  const questions = (await loadEvaluation()).flatMap(({ questions }) => questions.map((q) => q.query));
  const embedder = createTransformersEmbedder({ modelsDir: defaultModelsDir() });
  const outcomes = await embedder.embed(questions);
  await embedder.close?.();
  return outcomes.map((outcome, i) => {
    if (!outcome.ok) throw new Error(`embedding question ${i} failed: ${outcome.error.message}`);
    return outcome.vector;
  });
}

/** Copies of the real records with their vectors moved by noise (cosine ≈ 0.96 to the original). */
function* noisyCopies(records, copies, seed) {
  const random = generator(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (let copy = 1; copy <= copies; copy++) {
    for (const record of records) {
      const vector = normalise(record.vector.map((value) => value + (gauss() * 0.3) / Math.sqrt(DIMS)));
      yield {
        ...record,
        filePath: `copy${copy}/${record.filePath}`,
        locationKey: `copy${copy}/${record.locationKey}`,
        contentDigest: `${record.contentDigest}:copy${copy}`,
        vector,
      };
    }
  }
}

async function realRecall(store, repoRoot, log, copiesFor200k) {
  const indexDir = await combinedIndex(repoRoot, log);
  const { records: all, model } = await realRecords(repoRoot, indexDir);
  // 100 units held out as queries (a row's own vector would find itself): their window 0 is the
  // query, and all their windows leave the table.
  const units = all.filter((record) => record.window === 0);
  const heldEvery = Math.floor(units.length / 100);
  const held = units.filter((_, i) => i % heldEvery === 0).slice(0, 100);
  const heldKeys = new Set(held.map((record) => record.locationKey));
  const records = all.filter((record) => !heldKeys.has(record.locationKey));
  const questions = await questionVectors(repoRoot);
  log(
    `real vectors: ${records.length} rows from ${indexDir}, ${questions.length} questions + ${held.length} held-out rows`,
  );
  const queries = [...questions, ...held.map((record) => record.vector)];

  const measure = async (label, source) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'codesearch-ann-real-'));
    try {
      const matrix = new Float32Array(source.length * DIMS);
      for (const [i, record] of source.entries()) matrix.set(record.vector, i * DIMS);
      const keyOf = (row) => `${source[row].locationKey}#${source[row].window}`;
      const index = await store.openCodeIndex(dir, { model, annThreshold: 0 });
      const started = performance.now();
      await index.syncStream(chunksByFile(source));
      const buildSeconds = (performance.now() - started) / 1000;
      const stats = await index.stats();
      const truths = queries.map((query) => bruteForce(matrix, keyOf, query, 10));
      const results = [];
      const times = [];
      for (const query of queries) {
        const begun = performance.now();
        const hits = await index.vectorCandidates(query, { depth: 10 });
        times.push(performance.now() - begun);
        results.push(hits.map((hit) => `${hit.locationKey}#${hit.window}`));
      }
      times.sort((a, b) => a - b);
      await index.close();
      const q = questions.length;
      const result = {
        rows: source.length,
        partitions: stats.ann?.partitions,
        buildSeconds,
        recallAt10: recallOf(truths, results),
        recallAt10Questions: recallOf(truths.slice(0, q), results.slice(0, q)),
        recallAt10HeldOut: recallOf(truths.slice(q), results.slice(q)),
        p50: percentile(times, 0.5),
        p95: percentile(times, 0.95),
      };
      log(`${label}: recall@10 ${result.recallAt10.toFixed(3)} at ${source.length} rows`);
      return result;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const combined = await measure('real', records);
  const grown = await measure('real+noise', [...records, ...noisyCopies(records, copiesFor200k, 3)]);
  return {
    source: indexDir,
    model,
    queries: { questions: questions.length, heldOut: held.length },
    combined,
    grown,
  };
}

// ── scale ─────────────────────────────────────────────────────────────────────────────────

/** Latency and recall of an index of `rows` synthetic rows (`matrix`: their vectors). */
async function measureScale(index, matrix, log) {
  const next = clusters(7, 1007);
  const queries = Array.from({ length: QUERIES }, next);
  const latency = {
    depth10: await timed(queries, (q) => index.vectorCandidates(q, { depth: 10 })),
    depth50: await timed(queries, (q) => index.vectorCandidates(q, { depth: 50 })),
    depth10Go: await timed(queries, (q) => index.vectorCandidates(q, { depth: 10, languages: ['go'] })),
    searchHybrid: await timed(queries, (q) =>
      index.search({ text: 'handle request queue', vector: q }, { k: 10 }),
    ),
  };
  log(
    `scale: vectorCandidates depth 10 p50 ${latency.depth10.p50.toFixed(1)} ms, p95 ${latency.depth10.p95.toFixed(1)} ms`,
  );

  const keyOf = (row) => syntheticRecord(row, null).locationKey;
  const truthQueries = queries.slice(0, TRUTH_QUERIES);
  const truths = truthQueries.map((q) => bruteForce(matrix, keyOf, q, 10));
  const results = [];
  for (const q of truthQueries)
    results.push((await index.vectorCandidates(q, { depth: 10 })).map((hit) => hit.locationKey));
  const goTruths = truthQueries
    .slice(0, 10)
    .map((q) => bruteForce(matrix, keyOf, q, 10, (row) => row % 100 === 7));
  const goResults = [];
  for (const q of truthQueries.slice(0, 10)) {
    goResults.push(
      (await index.vectorCandidates(q, { depth: 10, languages: ['go'] })).map((hit) => hit.locationKey),
    );
  }
  return {
    latencyMs: latency,
    recallAt10: recallOf(truths, results),
    recallAt10Go: recallOf(goTruths, goResults),
  };
}

async function scale(store, rows, log) {
  const dir = await mkdtemp(path.join(tmpdir(), 'codesearch-ann-scale-'));
  try {
    const matrix = new Float32Array(rows * DIMS);
    let started = performance.now();
    const data = await store.openCodeIndex(dir, { model: SYNTHETIC_MODEL, annThreshold: Infinity });
    await data.syncStream(syntheticChunks(rows, 7, matrix));
    await data.close();
    const dataSeconds = (performance.now() - started) / 1000;
    const diskBeforeAnn = await directorySize(dir);
    log(`scale: ${rows} rows written (table + full-text index) in ${dataSeconds.toFixed(0)} s`);

    // The same rows again (unchanged: nothing written) with the default threshold: the whole
    // sync trains the ANN index. Then once more, to time the pass without training.
    const index = await store.openCodeIndex(dir, { model: SYNTHETIC_MODEL });
    started = performance.now();
    await index.syncStream(syntheticChunks(rows, 7));
    const trainPassSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await index.syncStream(syntheticChunks(rows, 7));
    const unchangedPassSeconds = (performance.now() - started) / 1000;
    const stats = await index.stats();
    const disk = await directorySize(dir);
    log(
      `scale: ANN trained (${stats.ann?.partitions} partitions) in ~${(trainPassSeconds - unchangedPassSeconds).toFixed(0)} s`,
    );

    const measured = await measureScale(index, matrix, log);

    // A whole sync that edits 0.1 % of the rows: written, optimized (new rows join the index), no retraining.
    started = performance.now();
    const editReport = await index.syncStream(syntheticChunks(rows, 7, undefined, 1_000));
    const editedPassSeconds = (performance.now() - started) / 1000;
    const afterEdit = await index.stats();

    // A refresh of one file (20 rows with new vectors) on top: no retraining, rows found.
    const fresh = clusters(99);
    const file = syntheticRecord(0, null).filePath;
    const edited = Array.from({ length: PER_FILE }, (_, i) => ({
      ...syntheticRecord(i, fresh()),
      // Not `edited:<i>`: the 0.1 % edit above gave row 3 that digest, and a row whose digest
      // is unchanged is (rightly) not rewritten, so its new vector would never be stored.
      contentDigest: `refreshed:${i}`,
    }));
    started = performance.now();
    await index.sync(edited, { files: [file] });
    const partialSyncSeconds = (performance.now() - started) / 1000;
    let editedFound = 0;
    for (const record of edited) {
      const [best] = await index.vectorCandidates(record.vector, { depth: 1 });
      if (best?.locationKey === record.locationKey) editedFound++;
    }
    const after = await index.stats();
    await index.close();
    return {
      rows,
      dataSeconds,
      annTrainSeconds: trainPassSeconds - unchangedPassSeconds,
      trainPassSeconds,
      unchangedPassSeconds,
      ann: stats.ann,
      diskBytes: disk,
      annDiskBytes: disk - diskBeforeAnn,
      ...measured,
      editedSync: {
        updated: editReport.updated,
        seconds: editedPassSeconds,
        retrained: afterEdit.ann?.trainedAt !== stats.ann?.trainedAt,
        unindexedRows: afterEdit.ann?.unindexedRows,
      },
      partialSync: {
        seconds: partialSyncSeconds,
        editedFound: `${editedFound}/${edited.length}`,
        retrained: after.ann?.trainedAt !== stats.ann?.trainedAt,
        unindexedRows: after.ann?.unindexedRows,
      },
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Measures the index of an earlier scale run (a copy of its directory): latency and recall, no build. */
async function measureExisting(store, dir, rows, log) {
  const matrix = new Float32Array(rows * DIMS);
  for await (const _ of syntheticChunks(rows, 7, matrix)) {
    // filling `matrix`
  }
  const index = await store.openCodeIndex(dir, { model: SYNTHETIC_MODEL });
  try {
    return { rows, reused: dir, ann: (await index.stats()).ann, ...(await measureScale(index, matrix, log)) };
  } finally {
    await index.close();
  }
}

// ── section ───────────────────────────────────────────────────────────────────────────────

export async function run({
  repoRoot,
  log,
  rows,
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a bench-only override, never read by turbo tasks
  skip = (process.env.ANN_SKIP ?? '').split(','),
  sizes = THRESHOLD_SIZES,
  reuse,
}) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a bench-only override, never read by turbo tasks
  const scaleRows = rows ?? Number(process.env.ANN_ROWS ?? 1_000_000);
  const store = await loadStore(repoRoot);
  const result = {
    settings: {
      type: store.ANN_INDEX_TYPE,
      threshold: store.DEFAULT_ANN_THRESHOLD,
      rowsPerPartition: store.ANN_ROWS_PER_PARTITION,
      nprobes: store.ANN_NPROBES,
      minEf: store.ANN_MIN_EF,
      refineFactor: store.ANN_REFINE_FACTOR,
    },
  };
  if (!skip.includes('threshold')) result.threshold = await thresholdSweep(store, sizes, log);
  if (!skip.includes('real')) result.real = await realRecall(store, repoRoot, log, 12);
  if (reuse) result.scale = await measureExisting(store, reuse, scaleRows, log);
  else if (!skip.includes('scale')) result.scale = await scale(store, scaleRows, log);

  const ms = (value) => (value === undefined ? '-' : value.toFixed(1));
  const rowsOut = [['case', 'rows', 'p50 ms', 'p95 ms', 'recall@10', 'build s']];
  for (const entry of result.threshold ?? []) {
    rowsOut.push(['exact', entry.rows, ms(entry.exact.p50), ms(entry.exact.p95), '1', '-']);
    rowsOut.push(['ann', entry.rows, ms(entry.ann.p50), ms(entry.ann.p95), '-', ms(entry.trainSeconds)]);
  }
  for (const [label, entry] of Object.entries({
    'real (forced)': result.real?.combined,
    'real+noise': result.real?.grown,
  })) {
    if (entry)
      rowsOut.push([
        label,
        entry.rows,
        ms(entry.p50),
        ms(entry.p95),
        entry.recallAt10.toFixed(3),
        ms(entry.buildSeconds),
      ]);
  }
  if (result.scale) {
    const s = result.scale;
    rowsOut.push([
      'scale depth 10',
      s.rows,
      ms(s.latencyMs.depth10.p50),
      ms(s.latencyMs.depth10.p95),
      s.recallAt10.toFixed(3),
      ms(s.annTrainSeconds),
    ]);
    rowsOut.push([
      'scale depth 50',
      s.rows,
      ms(s.latencyMs.depth50.p50),
      ms(s.latencyMs.depth50.p95),
      '-',
      '-',
    ]);
    rowsOut.push([
      'scale go (1 %)',
      s.rows,
      ms(s.latencyMs.depth10Go.p50),
      ms(s.latencyMs.depth10Go.p95),
      s.recallAt10Go.toFixed(3),
      '-',
    ]);
    rowsOut.push([
      'scale search',
      s.rows,
      ms(s.latencyMs.searchHybrid.p50),
      ms(s.latencyMs.searchHybrid.p95),
      '-',
      '-',
    ]);
  }
  return { result, table: formatTable(rowsOut) };
}

// Run directly: node bench/sections/ann.mjs [--rows N] [--skip threshold,real,scale]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      skip: { type: 'string' },
      sizes: { type: 'string' },
      reuse: { type: 'string' },
    },
  });
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const { result, table } = await run({
    repoRoot,
    log: (message) => process.stderr.write(`[ann] ${message}\n`),
    rows: values.rows ? Number(values.rows) : undefined,
    skip: values.skip ? values.skip.split(',') : [],
    ...(values.sizes ? { sizes: values.sizes.split(',').map(Number) } : {}),
    reuse: values.reuse,
  });
  console.log(JSON.stringify(roundDeep(result), null, 2));
  console.log(table);
}
