#!/usr/bin/env node
/**
 * codesearch benchmarks. `pnpm bench` builds, then runs every section; or run some directly:
 *
 *   node bench/run.mjs [--runs N] [section ...]
 *
 * Each section is a module under bench/sections/ exporting `description` and
 * `run(context) → { result, table }`. The report (date, machine, options, and one entry per section
 * under `sections`) goes to bench/results/report.json, and each section's slice of it to
 * bench/results/<section>.json. To add a benchmark (embedding, cache, …), write
 * bench/sections/<name>.mjs and list it in SECTIONS below.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/machine.mjs';
import { roundDeep } from './lib/stats.mjs';

const SECTIONS = {
  parse: () => import('./sections/parse.mjs'),
  'parse-languages': () => import('./sections/parse-languages.mjs'),
  embed: () => import('./sections/embed.mjs'),
  cache: () => import('./sections/cache.mjs'),
  store: () => import('./sections/store.mjs'),
  'search-quality': () => import('./sections/search-quality.mjs'),
  faults: () => import('./sections/faults.mjs'),
  'search-eval': () => import('./sections/search-eval.mjs'),
  freshness: () => import('./sections/freshness.mjs'),
  mcp: () => import('./sections/mcp.mjs'),
  watch: () => import('./sections/watch.mjs'),
  ann: () => import('./sections/ann.mjs'),
  scale: () => import('./sections/scale.mjs'),
  shard: () => import('./sections/shard.mjs'),
  'cold-index': () => import('./sections/cold-index.mjs'),
};

const REPORT_VERSION = 1;
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const resultsDir = path.join(benchDir, 'results');

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    python: { type: 'string', default: 'python3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  console.log(
    `usage: node bench/run.mjs [--runs N] [--python PATH] [section ...]\nsections: ${Object.keys(SECTIONS).join(', ')}`,
  );
  process.exit(0);
}

const runs = Number.parseInt(flags.runs, 10);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got ${flags.runs}`);
const chosen = positionals.length ? positionals : Object.keys(SECTIONS);
const unknown = chosen.filter((name) => !(name in SECTIONS));
if (unknown.length)
  throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const report = {
  version: REPORT_VERSION,
  date: new Date().toISOString(),
  machine: machineInfo({ python: flags.python, repoRoot }),
  options: { runs },
  sections: {},
};

await mkdir(resultsDir, { recursive: true });
const started = performance.now();
for (const name of chosen) {
  const section = await SECTIONS[name]();
  log(`${name}: ${section.description}`);
  const sectionStarted = performance.now();
  const { result, table } = await section.run({ repoRoot, benchDir, python: flags.python, runs, log });
  const seconds = (performance.now() - sectionStarted) / 1000;
  report.sections[name] = roundDeep({ ...result, sectionSeconds: seconds });
  await writeFile(
    path.join(resultsDir, `${name}.json`),
    `${JSON.stringify({ ...report, sections: { [name]: report.sections[name] } }, null, 2)}\n`,
  );
  console.log(`\n== ${name} (${seconds.toFixed(0)} s): ${section.description}\n${table}`);
}
report.totalSeconds = roundDeep((performance.now() - started) / 1000);
await writeFile(path.join(resultsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);

const m = report.machine;
console.log(
  `\n${m.cpus} × ${m.cpuModel}, node ${m.node}, python ${m.python}, load ${m.loadAverageAtStart.join(' ')}; ` +
    `${report.totalSeconds} s in all. Report: ${path.relative(process.cwd(), path.join(resultsDir, 'report.json'))}` +
    ` (sections also in ${chosen.map((name) => `${name}.json`).join(', ')}).`,
);
