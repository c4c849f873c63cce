/**
 * A cold `codesearch index` of a ~10k-unit tree (the 12 annotated eval projects side by side,
 * bench/lib/combined-tree.mjs: ~11k units, 7 languages), int8 (the default) against fp32 (the
 * float file: what codesearch computed before integer inference), each a new process with
 * `--no-cache` and a fresh index, run one after the other in `runs` rounds (order alternating)
 * so that background load falls on both alike. Target: int8 ≥ 2x faster than fp32 on 2 cores.
 * Slow: about 5 + 10 minutes per round on 2 cores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { combinedTree } from '../lib/combined-tree.mjs';
import { formatRange, formatTable, summarise } from '../lib/stats.mjs';
import { timeCommand } from '../lib/timed-command.mjs';

export const description =
  'cold index (no cache) of ~11k units in 12 projects: int8 (default) vs fp32 (before), new process each, paired rounds';

/** Rounds: each costs ~15 minutes on 2 cores, so fewer than `--runs` by default. */
const MAX_ROUNDS = Number(process.env.CODESEARCH_BENCH_COLD_ROUNDS ?? 1);

export async function run({ repoRoot, runs, log }) {
  const cli = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  const tree = await combinedTree(log);
  const rounds = Math.min(runs, MAX_ROUNDS);
  const measured = { int8: [], fp32: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['int8', 'fp32'] : ['fp32', 'int8'];
    for (const precision of order) {
      const scratch = await mkdtemp(path.join(tmpdir(), 'codesearch-bench-cold-'));
      try {
        const args = [cli, 'index', tree, '--index', path.join(scratch, 'index'), '--no-cache', '--json'];
        const outcome = await timeCommand(process.execPath, [...args, '--precision', precision]);
        if (outcome.code !== 0)
          throw new Error(`index --precision ${precision} failed: ${outcome.stderr.slice(-2000)}`);
        const report = JSON.parse(outcome.stdout.trim().split('\n').at(-1));
        measured[precision].push({
          wallSeconds: outcome.wallSeconds,
          units: report.summary.total,
          embedded: report.summary.newlyEmbedded,
          unitsPerSecond: report.summary.total / outcome.wallSeconds,
        });
        log(
          `cold-index: round ${round + 1}/${rounds} ${precision}: ${report.summary.total} units in ${outcome.wallSeconds.toFixed(1)} s`,
        );
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
  }
  const speedups = measured.int8.map((pass, round) => measured.fp32[round].wallSeconds / pass.wallSeconds);
  const summary = {
    int8: summarise(measured.int8.map((pass) => pass.wallSeconds)),
    fp32: summarise(measured.fp32.map((pass) => pass.wallSeconds)),
    speedup: summarise(speedups),
  };
  const table = [
    formatTable([
      ['precision', 'wall s', 'units', 'units/s'],
      ...['int8', 'fp32'].map((precision) => [
        precision,
        formatRange(summary[precision], 1),
        String(measured[precision][0].units),
        (measured[precision][0].units / summary[precision].median).toFixed(1),
      ]),
    ]),
    `int8 vs fp32, paired per round: ${formatRange(summary.speedup, 2)}x faster (target ≥ 2)`,
  ].join('\n');
  return { table, result: { description, tree, rounds, measured, summary } };
}
