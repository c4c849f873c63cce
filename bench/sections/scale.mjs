/**
 * A million units through the pipeline: a synthetic tree (bench/lib/synthetic-tree.mjs,
 * default 1,000,000 functions in Python, TypeScript and Go) goes through `codesearch embed`
 * and then `codesearch index`, run as a user runs them (the built CLI, a new process each), with
 * the model replaced by a hashing embedder (`CODESEARCH_EMBEDDER=hash`, a hook the CLI honours
 * for benchmarks and tests only): what is measured is everything but the model. Reported per
 * command: peak RSS (VmHWM of the child process) and pipeline throughput in units/s. Target:
 * peak RSS ≤ 2 GB at 1M units.
 *
 * The embedding cache is SQLite (`--cache sqlite://…`): the JSON file cache holds every vector
 * in memory and is not meant for a million units (see the batch README). `embed` fills it
 * (cold); `index` then finds every vector in it and writes a new index (`--rebuild`).
 *
 *   CODESEARCH_SCALE_UNITS=100000 node bench/run.mjs scale     # a quicker run
 *   node bench/sections/scale.mjs [--units N]                  # the section alone
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchCacheDir } from '../lib/eval-corpus.mjs';
import { formatTable } from '../lib/stats.mjs';
import { syntheticTree } from '../lib/synthetic-tree.mjs';
import { timeCommand } from '../lib/timed-command.mjs';

export const description =
  'scale: embed and index a synthetic tree of 1M functions with a hashing embedder (no model): peak RSS and pipeline units/s';

const DEFAULT_UNITS = 1_000_000;
const RSS_TARGET_BYTES = 2 * 1024 ** 3;

/** Preloaded into the child: writes its peak RSS (VmHWM, kB) to $CODESEARCH_PEAK_FILE at exit. */
const PEAK_RSS_HOOK =
  'data:text/javascript,import{readFileSync as r,writeFileSync as w}from"node:fs";process.on("exit",()=>{const m=/VmHWM:\\s+(\\d+)/.exec(r("/proc/self/status","utf8"));if(m)w(process.env.CODESEARCH_PEAK_FILE,m[1])})';

function unitsWanted(units) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a bench-only override, never read by turbo tasks
  const value = units ?? process.env.CODESEARCH_SCALE_UNITS ?? DEFAULT_UNITS;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`units must be a positive integer, got ${value}`);
  return parsed;
}

/** Runs the CLI with the hashing embedder; resolves to its JSON report, wall seconds and peak RSS. */
async function runCli(cli, args, work, label, log) {
  const peakFile = path.join(work, `${label}.peak`);
  await rm(peakFile, { force: true });
  log(`${label}: codesearch ${args.join(' ')}`);
  const run = await timeCommand(process.execPath, ['--import', PEAK_RSS_HOOK, cli, ...args], {
    env: { ...process.env, CODESEARCH_EMBEDDER: 'hash', CODESEARCH_PEAK_FILE: peakFile },
  });
  if (run.code !== 0)
    throw new Error(`${label} exited ${run.code ?? run.signal}: ${run.stderr.slice(-2000)}`);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1));
  const peakBytes = Number(await readFile(peakFile, 'utf8')) * 1024;
  return { report, seconds: run.wallSeconds, peakBytes };
}

export async function run({ repoRoot, log, units }) {
  const wanted = unitsWanted(units);
  const cli = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  const base = path.join(benchCacheDir(), 'scale');
  const tree = await syntheticTree(path.join(base, `tree-${wanted}`), { functions: wanted, log });
  const work = path.join(base, `run-${wanted}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const cache = `sqlite://${path.join(work, 'cache.db')}`;
  try {
    const embed = await runCli(
      cli,
      ['embed', tree.directory, '--cache', cache, '--json'],
      work,
      'embed',
      log,
    );
    const index = await runCli(
      cli,
      ['index', tree.directory, '--cache', cache, '--index', path.join(work, 'index'), '--rebuild', '--json'],
      work,
      'index',
      log,
    );
    const measured = (name, { report, seconds, peakBytes }) => ({
      units: report.summary.total,
      newlyEmbedded: report.summary.newlyEmbedded,
      cached: report.summary.cached,
      failed: report.summary.failed,
      seconds,
      unitsPerSecond: report.summary.total / seconds,
      peakRssBytes: peakBytes,
      peakRssMet: peakBytes <= RSS_TARGET_BYTES,
      ...(name === 'index' ? { rowsAdded: report.sync.added } : {}),
    });
    const result = {
      functions: tree.functions,
      files: tree.files,
      treeBytes: tree.bytes,
      embedder: 'hash (CODESEARCH_EMBEDDER=hash; 384-d)',
      cache: 'sqlite',
      embed: measured('embed', embed),
      index: measured('index', index),
      rssTargetBytes: RSS_TARGET_BYTES,
    };
    const row = (label, entry) => [
      label,
      entry.units,
      entry.seconds.toFixed(1),
      entry.unitsPerSecond.toFixed(0),
      (entry.peakRssBytes / 1024 ** 2).toFixed(0),
    ];
    const table = formatTable([
      ['command (hash embedder)', 'units', 'seconds', 'units/s', 'peak RSS MB'],
      row('embed (cold, sqlite cache)', result.embed),
      row('index --rebuild (warm cache)', result.index),
    ]);
    return {
      result,
      table: `${table}\n${tree.functions} functions in ${tree.files} files; target peak RSS ≤ 2048 MB: ${result.embed.peakRssMet && result.index.peakRssMet ? 'met' : 'not met'}`,
    };
  } finally {
    // The index and cache of a million units take gigabytes; the tree is kept for the next run.
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { units: { type: 'string' } } });
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const { result, table } = await run({
    repoRoot,
    runs: 1,
    log: (line) => console.error(line),
    units: values.units,
  });
  console.log(table);
  console.log(JSON.stringify(result, null, 2));
}
