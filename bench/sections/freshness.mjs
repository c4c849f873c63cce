/**
 * Answers that are never stale, timed end to end: `codesearch search` as a user runs it (a new
 * process: start, model load, compare the tree with the index, re-index what changed, answer)
 * on one tree made of the 12 annotated eval projects (~11k units, 7 languages; bench/lib/combined-tree.mjs). Three cases,
 * measured side by side in one run: nothing changed; one file edited just before the search
 * (the edit must be found in the answer); one file edited with `--no-sync` (answered stale).
 * Target: one changed file re-indexed first, end to end, ≤ 1.5 s.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { combinedCache, combinedTree } from '../lib/combined-tree.mjs';
import { benchCacheDir } from '../lib/eval-corpus.mjs';
import { formatTable, summarise } from '../lib/stats.mjs';
import { timeCommand } from '../lib/timed-command.mjs';

export const description =
  'freshness: CLI search end to end on ~11k units, unchanged tree vs one file edited just before (re-indexed first) vs --no-sync';

const EDITS = 8;
/** A Go file of gorilla-mux that every edit appends to (restored afterwards). */
const EDITED = 'gorilla-mux/mux.go';
const QUERY = 'match a route by its host and path';

/** The qualified names of the hits of a `--json` answer. */
function namesIn(stdout) {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => JSON.parse(line).results.map((hit) => hit.qualifiedName));
}

export async function run({ repoRoot, runs, log }) {
  const cli = path.join(repoRoot, 'apps/cli/bin/codesearch.js');
  const tree = await combinedTree(log);
  const base = path.join(benchCacheDir(), 'freshness');
  const index = path.join(base, 'index');
  const cache = await combinedCache();
  const edited = path.join(tree, EDITED);
  const original = await readFile(edited, 'utf8');
  await writeFile(edited, original);

  const indexArgs = [cli, 'index', tree, '--index', index, '--cache', cache, '--json'];
  const indexStarted = performance.now();
  const indexed = JSON.parse(
    execFileSync(process.execPath, indexArgs, { encoding: 'utf8', maxBuffer: 1 << 28 })
      .trim()
      .split('\n')
      .at(-1),
  );
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  log(
    `indexed ${indexed.index.entities} units (${indexed.summary.newlyEmbedded} embedded) in ${indexSeconds.toFixed(1)} s`,
  );

  const search = (query, extra = []) =>
    timeCommand(process.execPath, [
      cli,
      'search',
      query,
      '--path',
      tree,
      '--index',
      index,
      '--json',
      ...extra,
    ]);
  const times = { unchanged: [], edited: [], noSync: [] };
  const found = { edited: 0, noSync: 0 };
  const rounds = Math.max(EDITS, runs);
  try {
    await search(QUERY); // warm the disk cache once
    for (let round = 0; round < rounds; round++) {
      // Interleaved, so the three cases see the same machine load.
      const unchanged = await search(QUERY);
      if (unchanged.code !== 0) throw new Error(`search failed: ${unchanged.stderr}`);
      times.unchanged.push(unchanged.wallSeconds);

      const name = `FreshnessProbe${round}Zq`;
      await appendFile(
        edited,
        `\n// ${name} reports whether the probe number ${round} was seen.\nfunc ${name}() bool {\n\treturn true\n}\n`,
      );
      const after = await search(name);
      if (after.code > 1) throw new Error(`search failed: ${after.stderr}`);
      times.edited.push(after.wallSeconds);
      if (namesIn(after.stdout).includes(name)) found.edited++;

      const stale = `FreshnessStale${round}Zq`;
      await appendFile(edited, `\nfunc ${stale}() bool {\n\treturn false\n}\n`);
      const noSync = await search(stale, ['--no-sync']);
      if (noSync.code > 1) throw new Error(`search --no-sync failed: ${noSync.stderr}`);
      times.noSync.push(noSync.wallSeconds);
      if (namesIn(noSync.stdout).includes(stale)) found.noSync++;
      // Catch the index up (untimed), so the next round's "unchanged" search has nothing to do.
      await search(stale);
    }
  } finally {
    await writeFile(edited, original);
    // Leave the index matching the tree for the next run.
    execFileSync(process.execPath, indexArgs, { encoding: 'utf8', maxBuffer: 1 << 28 });
  }

  const result = {
    units: indexed.index.entities,
    indexSeconds,
    rounds,
    unchangedSeconds: summarise(times.unchanged),
    oneFileEditedSeconds: summarise(times.edited),
    noSyncSeconds: summarise(times.noSync),
    refreshCostSeconds: summarise(times.edited.map((value, i) => value - times.unchanged[i])),
    editFoundInAnswer: `${found.edited}/${rounds}`,
    editFoundWithNoSync: `${found.noSync}/${rounds}`,
    targetSeconds: 1.5,
    targetMet: summarise(times.edited).median <= 1.5,
  };
  const row = (label, values) => {
    const { median, min, max } = summarise(values);
    return [label, median.toFixed(2), `${min.toFixed(2)}–${max.toFixed(2)}`];
  };
  const table = formatTable([
    ['search end to end (s)', 'p50', 'min–max'],
    row('tree unchanged', times.unchanged),
    row('one file edited, re-indexed first', times.edited),
    row('one file edited, --no-sync', times.noSync),
    row(
      'refresh cost (paired difference)',
      result.refreshCostSeconds ? times.edited.map((v, i) => v - times.unchanged[i]) : [],
    ),
  ]);
  return {
    result,
    table: `${table}\n${result.units} units; edit found in the answer ${result.editFoundInAnswer}, with --no-sync ${result.editFoundWithNoSync}; target ≤ 1.5 s: ${result.targetMet ? 'met' : 'not met'}`,
  };
}
