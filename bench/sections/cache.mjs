/**
 * The embedding cache (@codesearch/cache) end to end and at scale: `codesearch embed` on ~1,100
 * real stdlib entities cold and fully cached (whole command, and in process with embedRepository),
 * then the JSON file store against SQLite with 10,000 and 100,000 synthetic 384-d entries: bytes
 * per entry, save, load, getMany and the cost of one checkpoint — for the JSON file both ways in
 * the same run: appended to the journal (the default) and as a full rewrite of the file (the old
 * way, `compactRatio: 0`), with the cost of folding the journal in (compaction) and of opening a
 * file with a journal of N entries.
 */
import { constants } from 'node:buffer';
import { cp, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadDist } from '../lib/dist.mjs';
import { directoryBytes, scratchDirectory } from '../lib/files.mjs';
import { stdlibRoot } from '../lib/python-stdlib.mjs';
import { mulberry32 as prng } from '../lib/random.mjs';
import { formatRange, formatTable, summarise } from '../lib/stats.mjs';
import { timeCommand } from '../lib/timed-command.mjs';

export const description =
  'embedding cache: cold vs cached embed of ~1,100 stdlib entities; JSON file (journal vs full rewrite) vs SQLite store at 10k/100k entries';

/** Stdlib packages copied into the embed corpus: 1,088 functions, methods and classes for CPython 3.11. */
export const FOLDERS = ['html', 'http', 'json', 'logging', 'urllib', 'wsgiref'];
/** A tiny tree embedded once before timing, so that no timed run pays for a cold page cache of the model. */
const WARM_UP_FOLDER = 'json';
const DIMENSIONS = 384;
const SCALES = [10_000, 100_000];
/** 100k-entry stores take tens of seconds per pass; one run each keeps the section within budget. */
const RUNS_AT_100K = 1;
/** Entries per setMany call when filling a store: what one embedding batch of the pipeline hands over. */
const WRITE_CHUNK = 1000;
/** A checkpoint: the pipeline's default `checkpointEvery`, new entries added then flushed. */
const CHECKPOINT_ENTRIES = 256;
const CHECKPOINTS_PER_RUN = 3;
/**
 * The large journal measured at open and at compaction: this share of the store's entries,
 * appended in checkpoints. Below the default compactRatio (0.5 of the file's bytes), so that it
 * is what a long run leaves just before the journal would be folded in.
 */
const LARGE_JOURNAL_SHARE = 0.4;
/** The cache's default `compactRatio`: the journal is folded in when it would pass this share of the file. */
const COMPACT_RATIO = 0.5;
const ENCODING_SAMPLE = 1000;
/** When a checkpoint costs more than this share of the time it takes to embed its entries. */
const CHECKPOINT_BUDGET_SHARE = 0.1;
const SYNTHETIC_MODEL = {
  modelName: 'Xenova/all-MiniLM-L6-v2',
  modelVersion: 'bench-synthetic-0001',
  dimensions: DIMENSIONS,
  maxTokens: 256,
};
const STORES = {
  'json file': { kind: 'json', locate: (directory) => path.join(directory, 'cache.json') },
  sqlite: { kind: 'sqlite', locate: (directory) => `sqlite://${path.join(directory, 'cache.db')}` },
};

const { MAX_STRING_LENGTH } = constants;
const seconds = (started) => (performance.now() - started) / 1000;
const mb = (bytes) => bytes / 1e6;

// ---------------------------------------------------------------------------------------------
// Part 1: cold vs cached on real entities

async function copyCorpus(root, folders, target) {
  await mkdir(target, { recursive: true });
  for (const folder of folders)
    await cp(path.join(root, folder), path.join(target, folder), { recursive: true });
  return target;
}

function parseJsonReport(run, label) {
  if (run.code !== 0)
    throw new Error(`${label} exited with ${run.code ?? run.signal}: ${run.stderr.slice(-2000)}`);
  const lines = run.stdout.trim().split('\n');
  try {
    return JSON.parse(lines.at(-1));
  } catch (error) {
    throw new Error(`${label} printed no JSON report (${error.message}): ${run.stdout.slice(0, 500)}`);
  }
}

/** Asserts what a cold run (nothing cached) and a fully cached run must report. */
function checkSummary(summary, kind, label) {
  const problems = [];
  if (summary.failed !== 0) problems.push(`${summary.failed} failed`);
  // Cold: everything embedded, except items whose prepared text repeats an earlier one (counted as cached).
  if (
    kind === 'cold' &&
    (summary.newlyEmbedded === 0 || summary.newlyEmbedded + summary.cached !== summary.total)
  )
    problems.push(`newlyEmbedded ${summary.newlyEmbedded} + cached ${summary.cached} of ${summary.total}`);
  if (kind === 'cached' && summary.newlyEmbedded !== 0)
    problems.push(`newlyEmbedded ${summary.newlyEmbedded}`);
  if (kind === 'cached' && summary.cached !== summary.total)
    problems.push(`cached ${summary.cached} of ${summary.total}`);
  if (problems.length) throw new Error(`${label}: ${problems.join(', ')} (${JSON.stringify(summary)})`);
}

/** (a) The whole command, cold (fresh cache dir each run) and then cached on the cache that run wrote. */
async function cliColdVsCached({ repoRoot, tree, warmUpTree, scratch, runs, log }) {
  const bin = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  const embed = (target, cacheDir) =>
    timeCommand(process.execPath, [bin, 'embed', target, '--cache', cacheDir, '--json'], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
    });
  const warmUp = await embed(warmUpTree, path.join(scratch, 'cli-warm-up'));
  parseJsonReport(warmUp, 'warm-up embed');
  const version = await timeCommand(process.execPath, [bin, '--version'], { cwd: repoRoot });
  const startUp = [];
  const measured = { cold: [], cached: [] };
  let reports;
  for (let index = 0; index < runs; index++) {
    const cacheDir = path.join(scratch, `cli-cache-${index}`);
    const cold = await embed(tree, cacheDir);
    const coldReport = parseJsonReport(cold, `cold run ${index + 1}`);
    checkSummary(coldReport.summary, 'cold', `cli cold run ${index + 1}`);
    const cacheBytes = await directoryBytes(cacheDir);
    const cached = await embed(tree, cacheDir);
    const cachedReport = parseJsonReport(cached, `cached run ${index + 1}`);
    checkSummary(cachedReport.summary, 'cached', `cli cached run ${index + 1}`);
    startUp.push((await timeCommand(process.execPath, [bin, '--version'], { cwd: repoRoot })).wallSeconds);
    // metadata.durationMs: the batch itself (describe, cache, lookups, embedding), without the parse.
    measured.cold.push({
      wallSeconds: cold.wallSeconds,
      batchSeconds: coldReport.metadata.durationMs / 1000,
      summary: coldReport.summary,
      cacheBytes,
    });
    measured.cached.push({
      wallSeconds: cached.wallSeconds,
      batchSeconds: cachedReport.metadata.durationMs / 1000,
      summary: cachedReport.summary,
    });
    reports ??= { cold: coldReport, cached: cachedReport };
    log(
      `cache: cli run ${index + 1}/${runs}: cold ${cold.wallSeconds.toFixed(1)} s, cached ${cached.wallSeconds.toFixed(2)} s ` +
        `(${cachedReport.summary.cached}/${cachedReport.summary.total} cached)`,
    );
  }
  const cold = summarise(measured.cold.map((run) => run.wallSeconds));
  const cached = summarise(measured.cached.map((run) => run.wallSeconds));
  return {
    command: `node apps/cli/bin/codesearch.js embed <tree> --cache <fresh dir> --json`,
    runs,
    coldSeconds: cold,
    cachedSeconds: cached,
    ratio: cold.median / cached.median,
    pairedRatios: summarise(
      measured.cold.map((run, index) => run.wallSeconds / measured.cached[index].wallSeconds),
    ),
    processStartSeconds: summarise(startUp),
    cachedBatchSeconds: summarise(measured.cached.map((run) => run.batchSeconds)),
    versionFirstSeconds: version.wallSeconds,
    summary: { cold: reports.cold.summary, cached: reports.cached.summary },
    metadata: reports.cached.metadata,
    warnings: { cold: reports.cold.warnings, cached: reports.cached.warnings },
    parse: reports.cached.parse,
    cacheBytes: measured.cold[0].cacheBytes,
    measurements: measured,
  };
}

/**
 * Wraps methods of `target` in place (own properties over the prototype's, `this` kept), adding
 * each call's seconds to `spent[method]` and noting when the first call started and ended.
 */
function instrument(target, methods, spent, marks) {
  for (const method of methods) {
    const original = target[method].bind(target);
    spent[method] = 0;
    target[method] = async (...args) => {
      const started = performance.now();
      marks[method] ??= { start: started };
      try {
        return await original(...args);
      } finally {
        const ended = performance.now();
        marks[method].end ??= ended;
        spent[method] += (ended - started) / 1000;
        if (method === 'getMany') spent.keysLookedUp = (spent.keysLookedUp ?? 0) + args[0].length;
      }
    };
  }
}

/**
 * Where a run's time went, from the order embedRepository works in: parse the tree, then
 * `describe()` the model, open the cache, prepare every text and its content key, one
 * `getMany`, then embed the misses (with setMany and checkpoints) and build the result.
 */
function timeline(marks, started, ended) {
  const span = (from, to) => (to - from) / 1000;
  return {
    parse: span(started, marks.describe.start),
    describeModel: span(marks.describe.start, marks.describe.end),
    cacheOpen: span(marks.open.start, marks.open.end),
    prepareTextsAndKeys: span(marks.open.end, marks.getMany.start),
    cacheGetMany: span(marks.getMany.start, marks.getMany.end),
    rest: span(marks.getMany.end, ended),
  };
}

/**
 * (b) In process: embedRepository with our own TransformersEmbedder and a cache instance, cold
 * then cached. A fresh embedder for every run, so that `timings.batches === 0` proves the cached
 * run never ran (or loaded) the model.
 */
async function inProcessColdVsCached({ repoRoot, tree, scratch, runs, coldRuns, log }) {
  const [{ embedRepository }, { createEmbeddingCache }, { createTransformersEmbedder }] = await Promise.all([
    loadDist(repoRoot, 'batch'),
    loadDist(repoRoot, 'cache'),
    loadDist(repoRoot, 'embedder'),
  ]);
  const once = async (cacheDir, kind, label) => {
    const embedder = createTransformersEmbedder();
    const cache = createEmbeddingCache(cacheDir);
    const spent = {};
    const marks = {};
    instrument(embedder, ['describe'], spent, marks);
    instrument(cache, ['open', 'getMany', 'setMany', 'flush', 'close'], spent, marks);
    const started = performance.now();
    const { result, entities } = await embedRepository(tree, { embedder, cache });
    const ended = performance.now();
    await cache.close(); // a cache passed in is left open for the caller
    const batches = embedder.timings.batches;
    const texts = embedder.timings.texts;
    await embedder.dispose?.();
    checkSummary(result.summary, kind, label);
    if (kind === 'cold' && batches === 0) throw new Error(`${label}: the model never ran`);
    if (kind === 'cached' && batches !== 0)
      throw new Error(`${label}: the model ran ${batches} batches on a fully cached run`);
    return {
      wallSeconds: (ended - started) / 1000,
      summary: result.summary,
      entities: entities.length,
      modelBatches: batches,
      modelTexts: texts,
      breakdownSeconds: timeline(marks, started, ended),
      cacheSeconds: spent,
      warnings: result.warnings,
    };
  };
  const measured = { cold: [], cached: [] };
  let cacheDir;
  for (let index = 0; index < runs; index++) {
    if (index < coldRuns) {
      cacheDir = path.join(scratch, `in-process-cache-${index}`);
      measured.cold.push(await once(cacheDir, 'cold', `in-process cold run ${index + 1}`));
    }
    measured.cached.push(await once(cacheDir, 'cached', `in-process cached run ${index + 1}`));
    const last = measured.cached.at(-1);
    log(
      `cache: in-process run ${index + 1}/${runs}: ` +
        `${index < coldRuns ? `cold ${measured.cold.at(-1).wallSeconds.toFixed(1)} s, ` : ''}` +
        `cached ${last.wallSeconds.toFixed(2)} s (model batches ${last.modelBatches}; ` +
        `parse ${last.breakdownSeconds.parse.toFixed(2)} s)`,
    );
  }
  const cold = summarise(measured.cold.map((run) => run.wallSeconds));
  const cached = summarise(measured.cached.map((run) => run.wallSeconds));
  const medianParts = (list) =>
    Object.fromEntries(
      Object.keys(list[0].breakdownSeconds).map((part) => [
        part,
        summarise(list.map((run) => run.breakdownSeconds[part])).median,
      ]),
    );
  return {
    runs,
    coldRuns: measured.cold.length,
    coldSeconds: cold,
    cachedSeconds: cached,
    ratio: cold.median / cached.median,
    modelBatches: {
      cold: measured.cold.map((run) => run.modelBatches),
      cached: measured.cached.map((run) => run.modelBatches),
    },
    cachedBreakdownSeconds: medianParts(measured.cached),
    coldBreakdownSeconds: medianParts(measured.cold),
    coldCheckpointSeconds: summarise(measured.cold.map((run) => run.cacheSeconds.flush)).median,
    keysLookedUp: measured.cached[0].cacheSeconds.keysLookedUp,
    measurements: measured,
  };
}

// ---------------------------------------------------------------------------------------------
// Part 2: the stores at scale, on synthetic entries

/** A random unit vector: Gaussian components (Box–Muller), L2-normalised, as a model produces. */
function unitVector(random) {
  const vector = new Float32Array(DIMENSIONS);
  let norm = 0;
  for (let index = 0; index < DIMENSIONS; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    vector[index] = radius * Math.cos(angle);
    vector[index + 1] = radius * Math.sin(angle);
    norm += vector[index] ** 2 + vector[index + 1] ** 2;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < DIMENSIONS; index++) vector[index] *= scale;
  return vector;
}

/** Entries `offset … offset+count-1`: names like module_12.Class_3.method_7 at pkg/mod_12.py:345. */
function syntheticEntries(contentKey, offset, count) {
  const random = prng(0x5eed + offset);
  const timestamp = new Date(Date.UTC(2025, 0, 1)).toISOString();
  const entries = [];
  for (let index = offset; index < offset + count; index++) {
    const module = Math.floor(index / 100);
    const klass = Math.floor(index / 10) % 10;
    const method = index % 10;
    const name = `module_${module}.Class_${klass}.method_${method}`;
    const line = 1 + klass * 120 + method * 11;
    const text = `def method_${method}(self, value):\n    """Method ${method} of Class_${klass} in module_${module}."""\n    return value + ${index}\n`;
    const key = contentKey({
      modelName: SYNTHETIC_MODEL.modelName,
      modelVersion: SYNTHETIC_MODEL.modelVersion,
      textPrepVersion: 'bench-1',
      text,
    });
    entries.push([
      key,
      {
        name,
        embedding: unitVector(random),
        timestamp,
        modelVersion: SYNTHETIC_MODEL.modelVersion,
        location: `pkg/mod_${module}.py:${line}`,
      },
    ]);
  }
  return entries;
}

async function setInChunks(cache, entries) {
  for (let start = 0; start < entries.length; start += WRITE_CHUNK)
    await cache.setMany(entries.slice(start, start + WRITE_CHUNK));
}

function sameVector(a, b) {
  if (!b || a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * One run on a fresh store: save (setMany all + flush), size on disk, load (open a fresh
 * instance), getMany every key, then checkpoints (256 new entries + flush) on the full store.
 */
async function storeRun(createEmbeddingCache, location, directory, entries, extra, kind) {
  const writer = createEmbeddingCache(location);
  let started = performance.now();
  await writer.open(SYNTHETIC_MODEL);
  const openEmptySeconds = seconds(started);
  started = performance.now();
  await setInChunks(writer, entries);
  const setManySeconds = seconds(started);
  started = performance.now();
  await writer.flush();
  const flushSeconds = seconds(started);
  started = performance.now();
  await writer.close();
  const closeSeconds = seconds(started);
  const bytes = await directoryBytes(directory);

  started = performance.now();
  const reader = createEmbeddingCache(location);
  const opened = await reader.open(SYNTHETIC_MODEL);
  const loadSeconds = seconds(started);
  if (opened.entries !== entries.length)
    throw new Error(`${location}: open() reports ${opened.entries} entries, ${entries.length} were written`);
  const keys = entries.map(([key]) => key);
  let getManyError;
  started = performance.now();
  let found;
  try {
    found = await reader.getMany(keys);
  } catch (error) {
    // Record it and look the keys up in chunks instead, so the rest of the run still measures.
    getManyError = error.message;
    found = [];
    for (let start = 0; start < keys.length; start += WRITE_CHUNK)
      found.push(...(await reader.getMany(keys.slice(start, start + WRITE_CHUNK))));
  }
  const getManySeconds = seconds(started);
  // The same lookups in calls of WRITE_CHUNK keys: what a caller that splits its lookups would pay.
  started = performance.now();
  for (let start = 0; start < keys.length; start += WRITE_CHUNK)
    await reader.getMany(keys.slice(start, start + WRITE_CHUNK));
  const getManyChunkedSeconds = seconds(started);
  const missing = found.filter((entry) => entry === undefined).length;
  if (missing) throw new Error(`${location}: getMany missed ${missing} of ${keys.length} keys`);
  for (const index of [0, Math.floor(entries.length / 2), entries.length - 1]) {
    if (!sameVector(entries[index][1].embedding, found[index].embedding))
      throw new Error(`${location}: the vector of entry ${index} did not survive the round trip`);
  }

  const checkpoints = await timeCheckpoints(reader, extra.slice(0, CHECKPOINT_ENTRIES * CHECKPOINTS_PER_RUN));
  const journal = kind === 'json' ? await journalFigures(createEmbeddingCache, location, extra) : {};
  await reader.close();
  return {
    bytes,
    bytesPerEntry: bytes / entries.length,
    openEmptySeconds,
    setManySeconds,
    flushSeconds,
    closeSeconds,
    saveSeconds: setManySeconds + flushSeconds,
    loadSeconds,
    getManySeconds,
    getManyChunkedSeconds,
    getManyError,
    checkpointSeconds: summarise(checkpoints).median,
    checkpoints,
    ...journal,
  };
}

/** Checkpoints of CHECKPOINT_ENTRIES new entries each (setMany + flush), timed one by one. */
async function timeCheckpoints(cache, entries) {
  const times = [];
  for (let start = 0; start < entries.length; start += CHECKPOINT_ENTRIES) {
    const started = performance.now();
    await cache.setMany(entries.slice(start, start + CHECKPOINT_ENTRIES));
    await cache.flush();
    times.push(seconds(started));
  }
  return times;
}

/**
 * JSON file only, after `storeRun`'s checkpoints left a journal of their entries beside the
 * file: open a fresh instance on the file + journal; fold the journal in (close); the same
 * checkpoints as full rewrites (`compactRatio: 0`, the old way) on the same file; then a large
 * journal (LARGE_JOURNAL_SHARE of the entries, appended in checkpoints): open and fold again.
 */
async function journalFigures(createEmbeddingCache, location, extra) {
  const smallJournal = CHECKPOINT_ENTRIES * CHECKPOINTS_PER_RUN;
  const journalBytes = async () => (await stat(`${location}.journal`).catch(() => undefined))?.size ?? 0;
  const smallJournalBytes = await journalBytes();
  let started = performance.now();
  const withJournal = createEmbeddingCache(location);
  const opened = await withJournal.open(SYNTHETIC_MODEL);
  const openWithSmallJournalSeconds = seconds(started);
  started = performance.now();
  await withJournal.close(); // nothing pending: folds the journal into the file
  const foldSmallJournalSeconds = seconds(started);
  if ((await journalBytes()) !== 0) throw new Error(`${location}: close() left the journal`);

  const old = createEmbeddingCache(location, { compactRatio: 0 });
  await old.open(SYNTHETIC_MODEL);
  const offset = smallJournal;
  const rewriteCheckpoints = await timeCheckpoints(
    old,
    extra.slice(offset, offset + CHECKPOINT_ENTRIES * CHECKPOINTS_PER_RUN),
  );
  if ((await journalBytes()) !== 0) throw new Error(`${location}: compactRatio 0 wrote a journal`);
  await old.close();

  const large = extra.slice(offset + CHECKPOINT_ENTRIES * CHECKPOINTS_PER_RUN);
  const appender = createEmbeddingCache(location);
  const base = await appender.open(SYNTHETIC_MODEL);
  const inode = (await stat(location)).ino;
  const largeCheckpoints = await timeCheckpoints(appender, large);
  const largeJournalBytes = await journalBytes();
  if ((await stat(location)).ino !== inode || largeJournalBytes === 0)
    throw new Error(`${location}: the large journal was folded in before the end`);
  started = performance.now();
  const reader = createEmbeddingCache(location);
  const report = await reader.open(SYNTHETIC_MODEL);
  const openWithLargeJournalSeconds = seconds(started);
  if (report.entries !== base.entries + large.length)
    throw new Error(`${location}: open() with the journal reports ${report.entries} entries`);
  started = performance.now();
  await reader.close();
  const foldLargeJournalSeconds = seconds(started);
  await appender.close();
  return {
    journalEntriesAtOpen: opened.entries,
    smallJournalEntries: smallJournal,
    smallJournalBytes,
    openWithSmallJournalSeconds,
    foldSmallJournalSeconds,
    rewriteCheckpointSeconds: summarise(rewriteCheckpoints).median,
    rewriteCheckpoints,
    largeJournalEntries: large.length,
    largeJournalBytes,
    largeJournalCheckpointSeconds: summarise(largeCheckpoints),
    openWithLargeJournalSeconds,
    foldLargeJournalSeconds,
  };
}

async function storeScale({ repoRoot, runs, log }) {
  const { createEmbeddingCache, contentKey } = await loadDist(repoRoot, 'cache');
  const largest = Math.max(...SCALES);
  let started = performance.now();
  const all = syntheticEntries(contentKey, 0, largest);
  // Beyond the store: two sets of checkpoints (journal, then full rewrite) and the large journal.
  const extraCount = 2 * CHECKPOINT_ENTRIES * CHECKPOINTS_PER_RUN + Math.ceil(LARGE_JOURNAL_SHARE * largest);
  const allExtra = syntheticEntries(contentKey, largest, extraCount);
  log(`cache: ${largest + extraCount} synthetic entries made in ${seconds(started).toFixed(1)} s`);

  const results = {};
  for (const scale of SCALES) {
    const entries = all.slice(0, scale);
    const extra = allExtra.slice(
      0,
      2 * CHECKPOINT_ENTRIES * CHECKPOINTS_PER_RUN + Math.ceil(LARGE_JOURNAL_SHARE * scale),
    );
    const scaleRuns = scale >= 100_000 ? Math.min(runs, RUNS_AT_100K) : runs;
    for (const [store, { kind, locate }] of Object.entries(STORES)) {
      const list = [];
      for (let index = 0; index < scaleRuns; index++) {
        const scratch = await scratchDirectory('codesearch-bench-store-');
        try {
          started = performance.now();
          list.push(
            await storeRun(
              createEmbeddingCache,
              locate(scratch.directory),
              scratch.directory,
              entries,
              extra,
              kind,
            ),
          );
          const last = list.at(-1);
          log(
            `cache: ${store} ${scale} run ${index + 1}/${scaleRuns}: ${mb(last.bytes).toFixed(1)} MB, ` +
              `save ${last.saveSeconds.toFixed(2)} s, load ${last.loadSeconds.toFixed(2)} s, ` +
              `getMany ${last.getManySeconds.toFixed(2)} s (chunked ${last.getManyChunkedSeconds.toFixed(2)} s), checkpoint ${last.checkpointSeconds.toFixed(2)} s ` +
              `(${seconds(started).toFixed(0)} s in all)${last.getManyError ? `; getMany(all) failed: ${last.getManyError}` : ''}` +
              (kind === 'json'
                ? `; full-rewrite checkpoint ${last.rewriteCheckpointSeconds.toFixed(2)} s, fold of ` +
                  `${last.smallJournalEntries} ${last.foldSmallJournalSeconds.toFixed(2)} s, open with a journal of ` +
                  `${last.largeJournalEntries} ${last.openWithLargeJournalSeconds.toFixed(2)} s`
                : ''),
          );
        } finally {
          await scratch.remove();
        }
      }
      const figure = (key) => summarise(list.map((run) => run[key]));
      results[`${store} ${scale}`] = {
        store,
        entries: scale,
        runs: scaleRuns,
        bytes: list[0].bytes,
        bytesPerEntry: list[0].bytesPerEntry,
        saveSeconds: figure('saveSeconds'),
        setManySeconds: figure('setManySeconds'),
        flushSeconds: figure('flushSeconds'),
        closeSeconds: figure('closeSeconds'),
        openEmptySeconds: figure('openEmptySeconds'),
        loadSeconds: figure('loadSeconds'),
        getManySeconds: figure('getManySeconds'),
        getManyChunkedSeconds: figure('getManyChunkedSeconds'),
        checkpointSeconds: figure('checkpointSeconds'),
        getManyError: list.find((run) => run.getManyError)?.getManyError,
        ...(kind === 'json'
          ? {
              rewriteCheckpointSeconds: figure('rewriteCheckpointSeconds'),
              smallJournalEntries: list[0].smallJournalEntries,
              smallJournalBytes: list[0].smallJournalBytes,
              openWithSmallJournalSeconds: figure('openWithSmallJournalSeconds'),
              foldSmallJournalSeconds: figure('foldSmallJournalSeconds'),
              largeJournalEntries: list[0].largeJournalEntries,
              largeJournalBytes: list[0].largeJournalBytes,
              largeJournalCheckpointSeconds: summarise(
                list.map((run) => run.largeJournalCheckpointSeconds.median),
              ),
              openWithLargeJournalSeconds: figure('openWithLargeJournalSeconds'),
              foldLargeJournalSeconds: figure('foldLargeJournalSeconds'),
            }
          : {}),
        measurements: list,
      };
    }
  }
  return { results, sample: all.slice(0, ENCODING_SAMPLE), createEmbeddingCache };
}

/** JSON file size of 1,000 vectors: as the store writes them, and with decimal numbers instead. */
async function encodingSizes(createEmbeddingCache, sample) {
  const scratch = await scratchDirectory('codesearch-bench-encoding-');
  try {
    const file = path.join(scratch.directory, 'cache.json');
    const cache = createEmbeddingCache(file);
    await cache.open(SYNTHETIC_MODEL);
    await cache.setMany(sample);
    await cache.flush();
    await cache.close();
    const storeBytes = await directoryBytes(scratch.directory);
    let base64Bytes = 0;
    let decimalBytes = 0;
    for (const [, entry] of sample) {
      const vector = entry.embedding;
      base64Bytes += JSON.stringify(
        Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64'),
      ).length;
      decimalBytes += JSON.stringify(Array.from(vector)).length;
    }
    const text = await readFile(file, 'utf8');
    const first = sample[0][1].embedding;
    const firstBase64 = Buffer.from(first.buffer, first.byteOffset, first.byteLength).toString('base64');
    const storesBase64 = text.includes(firstBase64);
    return {
      vectors: sample.length,
      storeFileBytes: storeBytes,
      storeWritesBase64: storesBase64,
      vectorBase64JsonBytes: base64Bytes,
      vectorDecimalJsonBytes: decimalBytes,
      decimalOverBase64: decimalBytes / base64Bytes,
      storeFileBytesIfDecimal: storesBase64 ? storeBytes - base64Bytes + decimalBytes : storeBytes,
    };
  } finally {
    await scratch.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// Where the file store stops being the right default

/** Linear fit through two (entries, value) points, solved for the entries where it reaches `target`. */
function entriesWhere(points, target) {
  const [[x0, y0], [x1, y1]] = points;
  const slope = (y1 - y0) / (x1 - x0);
  if (slope <= 0) return undefined;
  return Math.max(0, x0 + (target - y0) / slope);
}

/** Seconds a cold run of `entries` spends in checkpoints (one per CHECKPOINT_ENTRIES), linear in store size. */
function checkpointsDuringColdRun([[x0, y0], [x1, y1]], entries) {
  const slope = (y1 - y0) / (x1 - x0);
  const intercept = y0 - slope * x0;
  const count = Math.ceil(entries / CHECKPOINT_ENTRIES);
  return count * intercept + slope * CHECKPOINT_ENTRIES * ((count * (count + 1)) / 2);
}

/** The line through two (entries, seconds) points, evaluated at `entries`. */
function linear([[x0, y0], [x1, y1]], entries) {
  return y0 + ((y1 - y0) / (x1 - x0)) * (entries - x0);
}

/**
 * Seconds a cold run of `entries` spends in checkpoints with the journal: appends (cost from
 * `append`), a full rewrite whenever the journal would pass COMPACT_RATIO of the file (cost from
 * `rewrite`, linear in entries; entries stand in for bytes), and the fold at close.
 */
function journalCheckpointsDuringColdRun(append, rewrite, entries) {
  let seconds = 0;
  let inFile = 0;
  let inJournal = 0;
  for (let stored = CHECKPOINT_ENTRIES; ; stored += CHECKPOINT_ENTRIES) {
    const now = Math.min(stored, entries);
    const added = now - inFile - inJournal;
    if (inFile === 0 || inJournal + added > COMPACT_RATIO * inFile) {
      seconds += linear(rewrite, now);
      inFile = now;
      inJournal = 0;
    } else {
      seconds += linear(append, now);
      inJournal += added;
    }
    if (now >= entries) break;
  }
  if (inJournal > 0) seconds += linear(rewrite, entries);
  return seconds;
}

function verdict(stores, cli) {
  const embedSecondsPerEntity = cli.coldSeconds.median / cli.summary.cold.total;
  const checkpointEmbedSeconds = embedSecondsPerEntity * CHECKPOINT_ENTRIES;
  const budget = CHECKPOINT_BUDGET_SHARE * checkpointEmbedSeconds;
  const points = (store, key) =>
    SCALES.map((scale) => {
      const value = stores[`${store} ${scale}`][key];
      return [scale, typeof value === 'number' ? value : value.median];
    });
  const fileCheckpoint = points('json file', 'checkpointSeconds');
  const rewriteCheckpoint = points('json file', 'rewriteCheckpointSeconds');
  const sqliteCheckpoint = points('sqlite', 'checkpointSeconds');
  const fileLoad = points('json file', 'loadSeconds');
  const fileBytes = points('json file', 'bytes');
  const fileBytesPerEntry = (fileBytes[1][1] - fileBytes[0][1]) / (fileBytes[1][0] - fileBytes[0][0]);
  const coldRun = Object.fromEntries(
    SCALES.map((scale) => {
      const embedding = scale * embedSecondsPerEntity;
      const file = journalCheckpointsDuringColdRun(fileCheckpoint, rewriteCheckpoint, scale);
      const rewrite = checkpointsDuringColdRun(rewriteCheckpoint, scale);
      const sqlite = checkpointsDuringColdRun(sqliteCheckpoint, scale);
      return [
        scale,
        {
          embeddingSeconds: embedding,
          jsonFileCheckpointSeconds: file,
          jsonFileShare: file / embedding,
          jsonFileRewriteCheckpointSeconds: rewrite,
          jsonFileRewriteShare: rewrite / embedding,
          sqliteCheckpointSeconds: sqlite,
          sqliteShare: sqlite / embedding,
        },
      ];
    }),
  );
  return {
    embedSecondsPerEntity,
    checkpointEmbedSeconds,
    checkpointBudgetShare: CHECKPOINT_BUDGET_SHARE,
    checkpointBudgetSeconds: budget,
    fileCheckpointOverBudgetAtEntries: entriesWhere(fileCheckpoint, budget),
    fileCheckpointOneSecondAtEntries: entriesWhere(fileCheckpoint, 1),
    rewriteCheckpointOverBudgetAtEntries: entriesWhere(rewriteCheckpoint, budget),
    rewriteCheckpointOneSecondAtEntries: entriesWhere(rewriteCheckpoint, 1),
    fileLoadOneSecondAtEntries: entriesWhere(fileLoad, 1),
    fileBytesPerEntry,
    // The file is written from, and read into, one string: V8 caps its length.
    maxStringLength: MAX_STRING_LENGTH,
    fileCeilingEntries: MAX_STRING_LENGTH / fileBytesPerEntry,
    checkpointShareOfEmbedding: Object.fromEntries(
      SCALES.flatMap((scale, index) => [
        [`json file ${scale}`, fileCheckpoint[index][1] / checkpointEmbedSeconds],
        [`json file rewrite ${scale}`, rewriteCheckpoint[index][1] / checkpointEmbedSeconds],
        [`sqlite ${scale}`, sqliteCheckpoint[index][1] / checkpointEmbedSeconds],
      ]),
    ),
    coldRun,
  };
}

// ---------------------------------------------------------------------------------------------

export async function run({ repoRoot, python, runs, log }) {
  const root = stdlibRoot(python);
  const scratch = await scratchDirectory('codesearch-bench-cache-');
  try {
    const tree = await copyCorpus(root, FOLDERS, path.join(scratch.directory, 'tree'));
    const warmUpTree = await copyCorpus(root, [WARM_UP_FOLDER], path.join(scratch.directory, 'warm-up'));
    const { parseDirectory } = await loadDist(repoRoot, 'parser');
    const parsed = await parseDirectory(tree, {});
    const kinds = {};
    for (const entity of parsed.entities) kinds[entity.kind] = (kinds[entity.kind] ?? 0) + 1;
    log(
      `cache: corpus ${FOLDERS.join(', ')} from ${root}: ${parsed.stats.filesParsed} files, ` +
        `${parsed.entities.length} entities (${Object.entries(kinds)
          .map(([kind, count]) => `${count} ${kind}`)
          .join(', ')})`,
    );

    const cli = await cliColdVsCached({ repoRoot, tree, warmUpTree, scratch: scratch.directory, runs, log });
    const inProcess = await inProcessColdVsCached({
      repoRoot,
      tree,
      scratch: scratch.directory,
      runs,
      coldRuns: 1,
      log,
    });
    await scratch.remove();

    const { results: stores, sample, createEmbeddingCache } = await storeScale({ repoRoot, runs, log });
    const encoding = await encodingSizes(createEmbeddingCache, sample);
    const limits = verdict(stores, cli);

    const total = cli.summary.cached.total;
    const coldRows = [
      ['variant', `cold s (${total} entities)`, 'cached s', 'cold / cached', 'runs'],
      [
        'codesearch embed (whole command)',
        formatRange(cli.coldSeconds, 1),
        formatRange(cli.cachedSeconds, 2),
        `${cli.ratio.toFixed(0)}x`,
        String(cli.runs),
      ],
      [
        'embedRepository (in process)',
        formatRange(inProcess.coldSeconds, 1),
        formatRange(inProcess.cachedSeconds, 2),
        `${inProcess.ratio.toFixed(0)}x`,
        `${inProcess.coldRuns} cold, ${inProcess.runs} cached`,
      ],
    ];
    const parts = inProcess.cachedBreakdownSeconds;
    const storeRows = [
      [
        'store',
        'entries',
        'runs',
        'MB',
        'bytes/entry',
        'save s',
        'load s',
        'getMany s (1 call)',
        `getMany s (calls of ${WRITE_CHUNK})`,
        'checkpoint s',
      ],
    ];
    for (const figures of Object.values(stores)) {
      storeRows.push([
        figures.store,
        figures.entries.toLocaleString('en'),
        String(figures.runs),
        mb(figures.bytes).toFixed(1),
        figures.bytesPerEntry.toFixed(0),
        formatRange(figures.saveSeconds, 2),
        formatRange(figures.loadSeconds, 2),
        `${formatRange(figures.getManySeconds, 2)}${figures.getManyError ? ' †' : ''}`,
        formatRange(figures.getManyChunkedSeconds, 2),
        formatRange(figures.checkpointSeconds, 2),
      ]);
    }
    // The JSON file's checkpoint both ways, side by side, with what the journal costs elsewhere.
    const journalRows = [
      [
        'json file entries',
        'checkpoint s: journal',
        'checkpoint s: full rewrite',
        'rewrite / journal',
        `open s, no journal`,
        'open s, small journal',
        'fold s, small journal',
        'large journal',
        'checkpoint s, large journal',
        'open s, large journal',
        'fold s, large journal',
      ],
    ];
    for (const figures of Object.values(stores).filter((entry) => entry.store === 'json file')) {
      journalRows.push([
        figures.entries.toLocaleString('en'),
        formatRange(figures.checkpointSeconds, 3),
        formatRange(figures.rewriteCheckpointSeconds, 3),
        `${(figures.rewriteCheckpointSeconds.median / figures.checkpointSeconds.median).toFixed(0)}x`,
        formatRange(figures.loadSeconds, 2),
        formatRange(figures.openWithSmallJournalSeconds, 2),
        formatRange(figures.foldSmallJournalSeconds, 2),
        `${figures.largeJournalEntries.toLocaleString('en')} (${mb(figures.largeJournalBytes).toFixed(0)} MB)`,
        formatRange(figures.largeJournalCheckpointSeconds, 3),
        formatRange(figures.openWithLargeJournalSeconds, 2),
        formatRange(figures.foldLargeJournalSeconds, 2),
      ]);
    }
    const smallJournal = Object.values(stores).find((entry) => entry.store === 'json file');
    const getManyErrors = Object.values(stores).filter((figures) => figures.getManyError);
    const fmtEntries = (value) => (value === undefined ? 'never' : `~${Math.round(value / 1000)}k entries`);
    const table = [
      `corpus: ${FOLDERS.join(', ')} (stdlib ${root}), ${cli.parse.files} files, ${total} entities ` +
        `(${Object.entries(kinds)
          .map(([kind, count]) => `${count} ${kind}`)
          .join(', ')}); seconds as median (min–max).`,
      formatTable(coldRows),
      `cached runs: newlyEmbedded ${cli.summary.cached.newlyEmbedded}, cached ${cli.summary.cached.cached} of ` +
        `${cli.summary.cached.total} (CLI JSON, every run); model batches on cached in-process runs: ` +
        `${inProcess.modelBatches.cached.join(', ')} (cold: ${inProcess.modelBatches.cold.join(', ')}).`,
      `whole command: paired cold/cached ratios ${formatRange(cli.pairedRatios, 0)}x; cached run = process ` +
        `start-up (codesearch --version) ${cli.processStartSeconds.median.toFixed(2)} s + batch (metadata.durationMs: ` +
        `describe, cache, lookups) ${cli.cachedBatchSeconds.median.toFixed(2)} s + the rest (parse, output, exit) ` +
        `${Math.max(0, cli.cachedSeconds.median - cli.processStartSeconds.median - cli.cachedBatchSeconds.median).toFixed(2)} s; ` +
        `cache after a cold run ${mb(cli.cacheBytes).toFixed(2)} MB.`,
      `cached in-process run (${inProcess.cachedSeconds.median.toFixed(2)} s, medians): parse ${parts.parse.toFixed(2)} s, ` +
        `model describe ${parts.describeModel.toFixed(2)} s, cache open ${parts.cacheOpen.toFixed(3)} s, ` +
        `text prep + content keys ${parts.prepareTextsAndKeys.toFixed(3)} s, getMany (${inProcess.keysLookedUp} keys) ` +
        `${parts.cacheGetMany.toFixed(3)} s, result + rest ${parts.rest.toFixed(3)} s; the cold run spent ` +
        `${inProcess.coldCheckpointSeconds.toFixed(2)} s in checkpoints (flush).`,
      '',
      `stores: synthetic entries (random unit ${DIMENSIONS}-d vectors), written in setMany calls of ${WRITE_CHUNK}; ` +
        `save = setMany all + flush; load = open() a fresh instance on the store; checkpoint = setMany ` +
        `${CHECKPOINT_ENTRIES} new + flush on the full store (median of ${CHECKPOINTS_PER_RUN}); ` +
        `${RUNS_AT_100K} run at 100,000 entries.`,
      formatTable(storeRows),
      '',
      `json file checkpoints both ways in the same run, on the same file (median of ${CHECKPOINTS_PER_RUN} each): ` +
        `journal = the default (append the ${CHECKPOINT_ENTRIES} new entries to cache.json.journal, fdatasync); full rewrite = ` +
        `compactRatio 0 (the whole file rewritten atomically, as before the journal). Small journal = the ` +
        `${smallJournal.smallJournalEntries} entries of the journal checkpoints (${mb(smallJournal.smallJournalBytes).toFixed(1)} MB); ` +
        `large journal = ${percent(LARGE_JOURNAL_SHARE)} of the store's entries appended in checkpoints (just under the ` +
        `${COMPACT_RATIO} compaction threshold); open = open() a fresh instance (the file, then the journal replayed); ` +
        `fold = close() folding the journal into the file (a full rewrite, then the journal removed).`,
      formatTable(journalRows),
      ...getManyErrors.map(
        (figures) =>
          `† ${figures.store} ${figures.entries}: getMany of all keys at once failed (${figures.getManyError}); ` +
          `timed in calls of ${WRITE_CHUNK} instead.`,
      ),
      `encoding, ${encoding.vectors} vectors: JSON store file ${mb(encoding.storeFileBytes).toFixed(2)} MB ` +
        `(${encoding.storeWritesBase64 ? 'vectors as base64 Float32' : 'vectors not stored as base64'}); vectors alone ` +
        `${mb(encoding.vectorBase64JsonBytes).toFixed(2)} MB as base64, ${mb(encoding.vectorDecimalJsonBytes).toFixed(2)} MB ` +
        `as decimal JSON numbers (${encoding.decimalOverBase64.toFixed(2)}x); the file would be ` +
        `${mb(encoding.storeFileBytesIfDecimal).toFixed(2)} MB with decimals.`,
      `file store limit: embedding ${CHECKPOINT_ENTRIES} entities takes ~${limits.checkpointEmbedSeconds.toFixed(1)} s ` +
        `(whole-command cold rate); one JSON checkpoint (journal) costs ${percent(limits.checkpointShareOfEmbedding['json file 10000'])} ` +
        `of that at 10k entries and ${percent(limits.checkpointShareOfEmbedding['json file 100000'])} at 100k (full rewrite: ` +
        `${percent(limits.checkpointShareOfEmbedding['json file rewrite 10000'])}, ${percent(limits.checkpointShareOfEmbedding['json file rewrite 100000'])}; SQLite: ` +
        `${percent(limits.checkpointShareOfEmbedding['sqlite 10000'])}, ${percent(limits.checkpointShareOfEmbedding['sqlite 100000'])}). ` +
        `Linear in entries, a journal checkpoint passes ${percent(CHECKPOINT_BUDGET_SHARE)} at ` +
        `${fmtEntries(limits.fileCheckpointOverBudgetAtEntries)} and 1 s at ${fmtEntries(limits.fileCheckpointOneSecondAtEntries)} ` +
        `(a full rewrite: ${fmtEntries(limits.rewriteCheckpointOverBudgetAtEntries)} and ${fmtEntries(limits.rewriteCheckpointOneSecondAtEntries)}); ` +
        `loading passes 1 s at ${fmtEntries(limits.fileLoadOneSecondAtEntries)}.`,
      `a cold run of 100k entities would spend ~${limits.coldRun[100000].jsonFileCheckpointSeconds.toFixed(0)} s in JSON ` +
        `checkpoints with the journal, rewrites at ${COMPACT_RATIO} and the fold at close included ` +
        `(${percent(limits.coldRun[100000].jsonFileShare)} of ~${limits.coldRun[100000].embeddingSeconds.toFixed(0)} s ` +
        `embedding), ~${limits.coldRun[100000].jsonFileRewriteCheckpointSeconds.toFixed(0)} s rewriting the file at every checkpoint ` +
        `(${percent(limits.coldRun[100000].jsonFileRewriteShare)}), ` +
        `~${limits.coldRun[100000].sqliteCheckpointSeconds.toFixed(0)} s with SQLite; the JSON file ` +
        `(${limits.fileBytesPerEntry.toFixed(0)} bytes/entry) is built and read as one string, so it cannot grow past ` +
        `~${Math.round(limits.fileCeilingEntries / 1000)}k entries of ${DIMENSIONS} dimensions (V8 string limit ` +
        `${MAX_STRING_LENGTH.toLocaleString('en')} chars).`,
    ].join('\n');

    return {
      table,
      result: {
        description,
        corpus: {
          name: 'python-stdlib-packages',
          root,
          folders: FOLDERS,
          files: cli.parse.files,
          entities: total,
          kinds,
        },
        units: {
          seconds: 'wall seconds; { median, min, max } over the runs',
          bytes: 'apparent size of every file in the store directory after flush + close',
          checkpointSeconds: `setMany(${CHECKPOINT_ENTRIES} new entries) + flush() on the full store (JSON file: appended to the journal)`,
          rewriteCheckpointSeconds:
            'the same with compactRatio 0: the whole JSON file rewritten (the old way)',
          foldSmallJournalSeconds: 'close() folding a journal of smallJournalEntries into the file',
          openWithLargeJournalSeconds: 'open() of the file with a journal of largeJournalEntries',
        },
        cli,
        inProcess,
        stores,
        encoding,
        fileStoreLimit: limits,
      },
    };
  } finally {
    await scratch.remove();
  }
}

const percent = (share) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
