/**
 * Faults: what survives kills and concurrency, measured on the built CLI with the real model.
 * - progress under SIGKILL every 5 s: `codesearch embed` on a fresh cache, killed 5 s after
 *   each start, again and again; embeddings saved per killed run, with today's checkpoints
 *   (every 2 s or 256 new embeddings) against count-only checkpoints (every 256, the old rule);
 * - checkpoint cost of the JSON cache at 10k and 100k entries: journal append against a full
 *   rewrite of the file (the old checkpoint);
 * - two `codesearch index` runs on one new index at once, ×N: both succeed and the index holds
 *   each entity exactly once;
 * - `codesearch index --rebuild` interrupted (SIGINT or SIGKILL at a moment within a measured rebuild's span), ×N: the
 *   old index still answers searches with all its entities.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { loadDist } from '../lib/dist.mjs';
import { scratchDirectory } from '../lib/files.mjs';
import { stdlibRoot } from '../lib/python-stdlib.mjs';
import { formatTable, summarise } from '../lib/stats.mjs';
import { timeCommand } from '../lib/timed-command.mjs';

export const description =
  'faults: progress under SIGKILL every 5 s, checkpoint cost (journal vs rewrite), concurrent index ×N, interrupted --rebuild ×N';

/** Stdlib packages for the kill corpus: ~1,100 entities, a few minutes of embedding on 2 cores. */
const KILL_CORPUS = ['json', 'email', 'http', 'urllib', 'logging'];
/** A small tree for the index runs: a few hundred entities, so that each run takes seconds. */
const INDEX_CORPUS = ['json', 'http'];
const KILL_AFTER_MS = 5_000;
const KILLED_RUNS = 6;
const CONCURRENT_ROUNDS = 20;
const REBUILD_ROUNDS = 20;
const CHECKPOINT_SIZES = [10_000, 100_000];
const CHECKPOINT_NEW = 256;

export async function run({ repoRoot, python, log }) {
  const cli = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  const scratch = await scratchDirectory('codesearch-bench-faults-');
  try {
    const stdlib = stdlibRoot(python);
    const killTree = await copyTree(stdlib, KILL_CORPUS, path.join(scratch.directory, 'kill-tree'));
    const indexTree = await copyTree(stdlib, INDEX_CORPUS, path.join(scratch.directory, 'index-tree'));
    const codesearch = (args, options) => timeCommand(process.execPath, [cli, ...args], options);

    const kills = {};
    const rules = {
      'count or time (default: 2 s / 256)': [],
      'count only (every 256, the old rule)': ['--checkpoint-interval', '3600000'],
    };
    for (const [position, [name, flags]] of Object.entries(rules).entries()) {
      const cacheDir = path.join(scratch.directory, `kill-cache-${position}`);
      kills[name] = await killedRuns(codesearch, cli, killTree, cacheDir, flags, log);
    }

    const checkpoints = await checkpointCost(repoRoot, scratch.directory, log);

    const indexCache = path.join(scratch.directory, 'index-cache');
    const warm = await codesearch(['embed', indexTree, '--cache', indexCache, '--json']);
    if (warm.code !== 0) throw new Error(`warming the cache failed: ${warm.stderr}`);
    const entities = JSON.parse(warm.stdout).summary.total;
    const concurrent = await concurrentIndexes(
      codesearch,
      indexTree,
      indexCache,
      scratch.directory,
      entities,
      log,
    );
    const rebuilds = await interruptedRebuilds(
      cli,
      codesearch,
      indexTree,
      indexCache,
      scratch.directory,
      entities,
      log,
    );

    const result = { kills, checkpoints, concurrent, rebuilds, entities };
    return { result, table: table(result) };
  } finally {
    await scratch.remove();
  }
}

async function copyTree(stdlib, folders, destination) {
  await mkdir(destination, { recursive: true });
  for (const folder of folders) {
    await cp(path.join(stdlib, folder), path.join(destination, folder), {
      recursive: true,
      filter: (source) => !source.includes('__pycache__'),
    });
  }
  return destination;
}

/** Starts `embed` again and again on one cache, killing each run 5 s after it starts. */
async function killedRuns(codesearch, cli, tree, cacheDir, flags, log) {
  const saved = [];
  let before = 0;
  for (let run = 0; run < KILLED_RUNS; run++) {
    await killAfter(cli, ['embed', tree, '--cache', cacheDir, ...flags], KILL_AFTER_MS, 'SIGKILL');
    const info = await codesearch(['cache', 'info', '--cache', cacheDir, '--json']);
    const entries = info.code === 0 ? JSON.parse(info.stdout).entries : 0;
    saved.push(entries - before);
    before = entries;
  }
  log(
    `faults: SIGKILL every ${KILL_AFTER_MS / 1000} s (${flags.join(' ') || 'defaults'}): saved per run ${saved.join(', ')}`,
  );
  return { savedPerRun: saved, total: before, runs: KILLED_RUNS };
}

/** Runs the CLI and sends `signal` after `ms`; resolves when the process has ended. */
function killAfter(cli, args, ms, signal) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill(signal), ms);
    child.on('error', reject);
    child.on('close', (code, by) => {
      clearTimeout(timer);
      resolve({ code, signal: by });
    });
  });
}

/**
 * One checkpoint of 256 new entries on a cache of n entries, side by side: appended to the
 * journal (the default) and as a full rewrite of the file (`compactRatio: 0`, the old checkpoint).
 */
async function checkpointCost(repoRoot, scratch, log) {
  const cache = await loadDist(repoRoot, 'cache');
  const model = { modelName: 'bench/synthetic', modelVersion: 'v1', dimensions: 384 };
  const rows = {};
  for (const size of CHECKPOINT_SIZES) {
    const file = path.join(scratch, `checkpoint-${size}`, 'cache.json');
    const filler = new cache.JsonFileEmbeddingCache(file, { onWarning: () => {} });
    await filler.open(model);
    await filler.setMany(entries(0, size));
    await filler.close();
    const seconds = { journal: [], rewrite: [] };
    let next = size;
    for (let round = 0; round < 3; round++) {
      for (const [kind, options] of [
        ['journal', {}],
        ['rewrite', { compactRatio: 0 }],
      ]) {
        const opened = new cache.JsonFileEmbeddingCache(file, { onWarning: () => {}, ...options });
        await opened.open(model);
        await opened.setMany(entries(next, CHECKPOINT_NEW));
        next += CHECKPOINT_NEW;
        const started = performance.now();
        await opened.flush();
        seconds[kind].push((performance.now() - started) / 1000);
        await opened.close();
      }
    }
    rows[size] = { journal: summarise(seconds.journal), rewrite: summarise(seconds.rewrite) };
    log(
      `faults: one checkpoint at ${size}: journal ${rows[size].journal.median.toFixed(3)} s, ` +
        `full rewrite ${rows[size].rewrite.median.toFixed(3)} s`,
    );
    await rm(path.dirname(file), { recursive: true, force: true });
  }
  return rows;
}

function entries(from, count) {
  const list = [];
  for (let i = from; i < from + count; i++) {
    const embedding = new Float32Array(384);
    for (let d = 0; d < 384; d++) embedding[d] = Math.sin(i * 7 + d);
    list.push([
      `k${i.toString(16).padStart(12, '0')}`,
      { name: `f${i}`, embedding, timestamp: '2026-01-01T00:00:00Z', modelVersion: 'v1' },
    ]);
  }
  return list;
}

/** Two `index` runs into one new index at once; then the index must hold each entity once. */
async function concurrentIndexes(codesearch, tree, cacheDir, scratch, entities, log) {
  const rounds = [];
  for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
    const indexDir = path.join(scratch, `concurrent-${round}`);
    const args = ['index', tree, '--index', indexDir, '--cache', cacheDir, '--json'];
    const [a, b] = await Promise.all([codesearch(args), codesearch(args)]);
    const status = await codesearch(['status', tree, '--index', indexDir, '--json']);
    const rows = status.code === 0 ? JSON.parse(status.stdout).entities : -1;
    rounds.push({ exits: [a.code, b.code], rows, ok: a.code === 0 && b.code === 0 && rows === entities });
    await rm(indexDir, { recursive: true, force: true });
  }
  const ok = rounds.filter((round) => round.ok).length;
  log(`faults: concurrent index: ${ok}/${rounds.length} rounds with both runs ok and rows = ${entities}`);
  return { rounds: rounds.length, ok, failures: rounds.filter((round) => !round.ok) };
}

/** `index --rebuild` killed at a random moment; the old index must still answer in full. */
async function interruptedRebuilds(cli, codesearch, tree, cacheDir, scratch, entities, log) {
  const indexDir = path.join(scratch, 'rebuild-index');
  const built = await codesearch(['index', tree, '--index', indexDir, '--cache', cacheDir]);
  if (built.code !== 0) throw new Error(`building the index failed: ${built.stderr}`);
  // One whole rebuild, timed: the kills are spread over its span, so that most interrupt it.
  const whole = await codesearch(['index', tree, '--index', indexDir, '--cache', cacheDir, '--rebuild']);
  if (whole.code !== 0) throw new Error(`a rebuild failed: ${whole.stderr}`);
  const rebuildMs = whole.wallSeconds * 1000;
  const rounds = [];
  let random = 12345;
  for (let round = 0; round < REBUILD_ROUNDS; round++) {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    const delay = Math.round(rebuildMs * (0.1 + 0.8 * (random / 2 ** 31)));
    const signal = round % 2 === 0 ? 'SIGINT' : 'SIGKILL';
    const outcome = await killAfter(
      cli,
      ['index', tree, '--index', indexDir, '--cache', cacheDir, '--rebuild'],
      delay,
      signal,
    );
    const search = await codesearch([
      'search',
      'parse a JSON document',
      '--path',
      tree,
      '--index',
      indexDir,
      '--mode',
      'lexical',
      '--json',
    ]);
    const hits = search.code === 0 ? JSON.parse(search.stdout).results.length : 0;
    const status = await codesearch(['status', tree, '--index', indexDir, '--json']);
    const rows = status.code === 0 ? JSON.parse(status.stdout).entities : -1;
    rounds.push({
      delay,
      signal,
      finished: outcome.signal === null,
      hits,
      rows,
      ok: hits > 0 && rows === entities,
    });
  }
  const ok = rounds.filter((round) => round.ok).length;
  log(
    `faults: interrupted --rebuild: ${ok}/${rounds.length} rounds where the index answered with all ${entities} entities`,
  );
  return {
    rebuildSeconds: rebuildMs / 1000,
    rounds: rounds.length,
    ok,
    finishedBeforeKill: rounds.filter((r) => r.finished).length,
    failures: rounds.filter((round) => !round.ok),
  };
}

function table({ kills, checkpoints, concurrent, rebuilds, entities }) {
  const rows = [['what', 'result']];
  for (const [name, kill] of Object.entries(kills)) {
    rows.push([
      `SIGKILL every 5 s, ${name}`,
      `saved per run: ${kill.savedPerRun.join(', ')} (total ${kill.total})`,
    ]);
  }
  for (const [size, cost] of Object.entries(checkpoints)) {
    rows.push([
      `one checkpoint (256 new) at ${Number(size).toLocaleString('en')} entries`,
      `journal ${(cost.journal.median * 1000).toFixed(1)} ms, full rewrite ${(cost.rewrite.median * 1000).toFixed(0)} ms`,
    ]);
  }
  rows.push([
    `two concurrent index runs ×${concurrent.rounds}`,
    `${concurrent.ok}/${concurrent.rounds} with rows = entities (${entities})`,
  ]);
  rows.push([
    `interrupted --rebuild ×${rebuilds.rounds}`,
    `${rebuilds.ok}/${rebuilds.rounds} answered with all entities (${rebuilds.finishedBeforeKill} finished before the signal)`,
  ]);
  return formatTable(rows);
}
