/**
 * @codesearch/store on a synthetic corpus of 1k and 10k rows (384-d unit vectors from a seeded
 * generator, ~1.2 kB of code-like prepared text each, 20 entities per file): a first sync into
 * a new index, a sync with nothing changed, a sync with a typical edit (1 % of rows edited, one
 * file's rows moved down by inserted lines, one file deleted), and search latency per mode.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32 as generator } from '../lib/random.mjs';
import { formatRange, formatTable, summarise } from '../lib/stats.mjs';

export const description =
  'store: LanceDB sync (first, unchanged, typical edit), search and candidate-query latency, 1k, 10k and 100k rows';

const SIZES = [1_000, 10_000, 100_000];
/** Depth of the candidate queries measured (what the ranking stage asks for). */
const DEPTH = 50;
const DIMS = 384;
const PER_FILE = 20;
const QUERIES = 30;
const MODEL = { modelName: 'bench/synthetic', modelVersion: 'v1', dimensions: DIMS };
const WORDS = (
  'parse file read write token index search vector cache model embed store query rank fuse merge split ' +
  'join open close config path buffer stream request response handler server client error retry ' +
  'timeout encode decode hash digest format render layout schema table column value result'
).split(' ');

async function loadStore(repoRoot) {
  const entry = path.join(repoRoot, 'packages/store/dist/index.js');
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`pnpm build\` first (or use \`pnpm bench\`).`);
  return import(pathToFileURL(entry).href);
}

function unitVector(random) {
  const vector = new Float32Array(DIMS);
  let norm = 0;
  for (let i = 0; i < DIMS; i++) {
    vector[i] = random() * 2 - 1;
    norm += vector[i] * vector[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < DIMS; i++) vector[i] /= norm;
  return vector;
}

function makeRecord(i, random, line = (i % PER_FILE) * 30 + 1, version = 0) {
  const file = `src/module${Math.floor(i / PER_FILE)}.py`;
  const words = (n) => Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]);
  const name = `${words(1)[0]}_${words(1)[0]}_${i}`;
  const doc = `${words(12).join(' ')}.`;
  const body = Array.from(
    { length: 24 },
    () => `    ${words(6).join('_')} = ${words(1)[0]}(${words(2).join(', ')})`,
  ).join('\n');
  const code = `def ${name}(${words(2).join(', ')}):\n    """${doc}"""\n${body}`;
  return {
    locationKey: `${file}:${line}`,
    window: 0,
    windowStart: line,
    windowEnd: line + 25,
    filePath: file,
    lineNumber: line,
    endLine: line + 25,
    kind: 'function',
    name,
    qualifiedName: name,
    language: i % 7 === 0 ? 'go' : 'python',
    docstring: doc,
    signature: code.split('\n')[0],
    text: `python function ${name}\npath: ${file}\ndoc: ${doc}\n\n${code}`,
    sourcePreview: code.split('\n').slice(0, 8).join('\n'),
    contentDigest: `digest-${i}-${version}`,
    vector: unitVector(random),
  };
}

/** 1 % of rows edited, file 1's rows 5 lines lower (same content), the last file deleted. */
function typicalEdit(records, random) {
  const lastFile = records.at(-1).filePath;
  return records
    .filter((r) => r.filePath !== lastFile)
    .map((r, i) => {
      if (r.filePath === 'src/module1.py') {
        return {
          ...r,
          lineNumber: r.lineNumber + 5,
          endLine: r.endLine + 5,
          windowStart: r.windowStart + 5,
          windowEnd: r.windowEnd + 5,
          locationKey: `${r.filePath}:${r.lineNumber + 5}`,
        };
      }
      if (i % 100 === 7)
        return {
          ...makeRecord(i, random, r.lineNumber, 1),
          locationKey: r.locationKey,
          filePath: r.filePath,
        };
      return r;
    });
}

async function directorySize(dir) {
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

async function measureSize(store, size, run) {
  const random = generator(size + run);
  const records = Array.from({ length: size }, (_, i) => makeRecord(i, random));
  const dir = await mkdtemp(path.join(tmpdir(), 'codesearch-bench-store-'));
  try {
    const first = await timed(async () => {
      const index = await store.openCodeIndex(dir, { model: MODEL });
      return { index, report: await index.sync(records) };
    });
    const { index } = first.value;
    const unchanged = await timed(() => index.sync(records));
    const edit = typicalEdit(records, generator(size * 7 + run));
    const edited = await timed(() => index.sync(edit));
    const bytes = await directorySize(dir);

    const queryRandom = generator(99 + run);
    const queries = Array.from({ length: QUERIES }, () => ({
      text: Array.from({ length: 3 }, () => WORDS[Math.floor(queryRandom() * WORDS.length)]).join(' '),
      vector: unitVector(queryRandom),
    }));
    const latency = {};
    for (const mode of ['vector', 'lexical', 'hybrid']) {
      await index.search(queries[0], { mode }); // warm caches
      const times = [];
      for (const query of queries) times.push((await timed(() => index.search(query, { mode, k: 10 }))).ms);
      latency[mode] = summarise(times);
    }
    const filtered = [];
    for (const query of queries) {
      filtered.push((await timed(() => index.search(query, { mode: 'hybrid', languages: ['go'] }))).ms);
    }
    latency['hybrid, languages: [go]'] = summarise(filtered);
    // The ranking stage's primitives (warm): each alone, and vector + lexical together as it runs them.
    const names = records.slice(0, QUERIES).map((r) => r.name.toUpperCase());
    const primitives = {
      vectorCandidates: (query) => index.vectorCandidates(query.vector, { depth: DEPTH }),
      lexicalCandidates: (query) => index.lexicalCandidates(query.text, { depth: DEPTH }),
      namedCandidates: (_query, i) => index.namedCandidates([names[i]], { depth: DEPTH }),
      'vector + lexical': (query) =>
        Promise.all([
          index.vectorCandidates(query.vector, { depth: DEPTH }),
          index.lexicalCandidates(query.text, { depth: DEPTH }),
        ]),
      // A whole ranked query as `codesearch search` runs it (query embedded already).
      'ranked query': (query) => search.searchCode(index, { query: query.text, vector: query.vector, k: 10 }),
    };
    for (const [name, call] of Object.entries(primitives)) {
      await call(queries[0], 0); // warm caches
      const times = [];
      for (const [i, query] of queries.entries()) times.push((await timed(() => call(query, i))).ms);
      latency[name] = summarise(times);
    }
    await index.close();
    return {
      firstSyncMs: first.ms,
      unchangedSyncMs: unchanged.ms,
      editSyncMs: edited.ms,
      editReport: edited.value,
      unchangedWritten: unchanged.value.written,
      indexBytes: bytes,
      latency,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const PRIMITIVES = [
  'vectorCandidates',
  'lexicalCandidates',
  'namedCandidates',
  'vector + lexical',
  'ranked query',
];

/** `@codesearch/search`, loaded by `run`: the ranking stage over these indexes. */
let search;

export async function run({ repoRoot, runs, log }) {
  const store = await loadStore(repoRoot);
  search = await import(pathToFileURL(path.join(repoRoot, 'packages/search/dist/index.js')).href);
  const result = { corpus: { dims: DIMS, perFile: PER_FILE, queries: QUERIES }, sizes: {} };
  const rows = [
    [
      'rows',
      'first sync ms',
      'no-change ms',
      'edit sync ms',
      'vector ms',
      'lexical ms',
      'hybrid ms',
      'hybrid+lang ms',
      'MB',
    ],
  ];
  const primitiveRows = [['rows', ...PRIMITIVES.map((name) => `${name} ms`)]];
  for (const size of SIZES) {
    const measured = [];
    for (let r = 1; r <= runs; r++) {
      const one = await measureSize(store, size, r);
      measured.push(one);
      log(
        `store: ${size} rows, run ${r}/${runs}: first ${one.firstSyncMs.toFixed(0)} ms, edit ${one.editSyncMs.toFixed(0)} ms`,
      );
    }
    const pick = (key) => summarise(measured.map((m) => m[key]));
    const mode = (name) => summarise(measured.map((m) => m.latency[name].median));
    const summary = {
      firstSyncMs: pick('firstSyncMs'),
      unchangedSyncMs: pick('unchangedSyncMs'),
      editSyncMs: pick('editSyncMs'),
      editReport: measured[0].editReport,
      unchangedWritten: measured.some((m) => m.unchangedWritten),
      indexBytes: pick('indexBytes'),
      searchMedianMs: Object.fromEntries(Object.keys(measured[0].latency).map((name) => [name, mode(name)])),
    };
    result.sizes[size] = summary;
    rows.push([
      String(size),
      formatRange(summary.firstSyncMs, 0),
      formatRange(summary.unchangedSyncMs, 0),
      formatRange(summary.editSyncMs, 0),
      formatRange(summary.searchMedianMs.vector, 1),
      formatRange(summary.searchMedianMs.lexical, 1),
      formatRange(summary.searchMedianMs.hybrid, 1),
      formatRange(summary.searchMedianMs['hybrid, languages: [go]'], 1),
      (summary.indexBytes.median / 1e6).toFixed(1),
    ]);
    primitiveRows.push([
      String(size),
      ...PRIMITIVES.map((name) => formatRange(summary.searchMedianMs[name], 1)),
    ]);
  }
  const edit = result.sizes[SIZES.at(-1)].editReport;
  const table = [
    formatTable(rows),
    `median (min–max) of ${runs} runs; search: per-run median of ${QUERIES} queries, k = 10 (hybrid fetches 50 per list).`,
    `first sync includes creating the table and the full-text index; the edit at ${SIZES.at(-1)} rows: ` +
      `${edit.updated} updated, ${edit.relocated} relocated, ${edit.removed} removed, ${edit.unchanged} unchanged ` +
      '(one merge-insert, then optimize). A sync with nothing changed wrote nothing: ' +
      `${Object.values(result.sizes).every((s) => !s.unchangedWritten)}.`,
    '',
    formatTable(primitiveRows),
    `candidate queries (the ranking stage's primitives), depth ${DEPTH}, warm: per-run median (p50) of ${QUERIES} queries; ` +
      'namedCandidates looks up one existing name, upper-cased; vector + lexical runs both at once.',
  ].join('\n');
  return { result, table };
}
