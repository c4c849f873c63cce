/**
 * Parse throughput on the Python standard library: @codesearch/parser's parseDirectory with its
 * default thread pool and on one thread, against CPython's own `ast` module on the same files.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPythonJson } from '../lib/python-json.mjs';
import { listStdlibFiles, STDLIB_PARSE_OPTIONS, stdlibRoot, warmPageCache } from '../lib/python-stdlib.mjs';
import { formatRange, formatTable, summariseRuns } from '../lib/stats.mjs';

export const description = 'Python stdlib: parseDirectory (threads, 1 thread) vs CPython ast';

const FIGURES = ['wallSeconds', 'cpuSeconds', 'filesPerSecond', 'entitiesPerSecond', 'mbPerSecond'];

async function loadParser(repoRoot) {
  const entry = path.join(repoRoot, 'packages/parser/dist/index.js');
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`pnpm build\` first (or use \`pnpm bench\`).`);
  return import(pathToFileURL(entry).href);
}

function withRates(run) {
  return {
    ...run,
    filesPerSecond: run.filesParsed / run.wallSeconds,
    entitiesPerSecond: run.entities / run.wallSeconds,
    mbPerSecond: run.bytes / 1e6 / run.wallSeconds,
  };
}

async function timeParseDirectory(parseDirectory, root, concurrency) {
  const cpuStarted = process.cpuUsage(); // whole process, worker threads included
  const started = performance.now();
  const result = await parseDirectory(root, {
    ...STDLIB_PARSE_OPTIONS,
    ...(concurrency ? { concurrency } : {}),
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  return withRates({
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    filesParsed: result.stats.filesParsed,
    filesWithWarnings: result.files.filter((file) => file.warnings.length > 0).length,
    skipped: result.skipped.length,
    errors: result.errors.length,
    entities: result.stats.entities,
    bytes: result.stats.bytes,
  });
}

async function timeCpythonAst(python, script, root, files) {
  const { runs } = await runPythonJson(python, [script, root, '1'], `${files.join('\n')}\n`);
  return withRates(runs[0]);
}

export async function run({ repoRoot, benchDir, python, runs, log }) {
  const { parseDirectory } = await loadParser(repoRoot);
  const root = stdlibRoot(python);
  const files = await listStdlibFiles(root);
  const corpusBytes = await warmPageCache(root, files);
  log(`parse: ${files.length} files, ${(corpusBytes / 1e6).toFixed(1)} MB under ${root}`);

  const script = path.join(benchDir, 'python_ast_bench.py');
  const variants = {
    'codesearch (threads)': () => timeParseDirectory(parseDirectory, root, undefined),
    'codesearch (1 thread)': () => timeParseDirectory(parseDirectory, root, 1),
    'cpython ast': () => timeCpythonAst(python, script, root, files),
  };
  const measured = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  // Interleaved, so that a burst of background load spreads over all variants alike.
  for (let index = 1; index <= runs; index++) {
    for (const [name, measure] of Object.entries(variants)) {
      const result = await measure();
      measured[name].push(result);
      log(`parse: run ${index}/${runs} ${name}: ${result.wallSeconds.toFixed(2)} s`);
    }
  }

  const summary = Object.fromEntries(
    Object.entries(measured).map(([name, list]) => [name, summariseRuns(list, FIGURES)]),
  );
  const ast = summary['cpython ast'];
  const ratios = {};
  for (const name of ['codesearch (threads)', 'codesearch (1 thread)']) {
    ratios[name] = {
      mbPerSecond: summary[name].mbPerSecond.median / ast.mbPerSecond.median,
      filesPerSecond: summary[name].filesPerSecond.median / ast.filesPerSecond.median,
    };
  }
  const astPhases = summariseRuns(measured['cpython ast'], ['readSeconds', 'parseSeconds', 'walkSeconds']);
  // CPython's walk is plain Python and costs about a third of its time; this ratio leaves it out.
  const astParseOnlyMbPerSecond = summariseRuns(
    measured['cpython ast'].map((run) => ({ value: run.bytes / 1e6 / (run.readSeconds + run.parseSeconds) })),
    ['value'],
  ).value;
  for (const name of Object.keys(ratios)) {
    ratios[name].mbPerSecondVsReadAndParseOnly =
      summary[name].mbPerSecond.median / astParseOnlyMbPerSecond.median;
  }

  const rows = [['variant', 'wall s', 'files/s', 'entities/s', 'MB/s', 'cpu s', 'speed vs ast']];
  for (const [name, figures] of Object.entries(summary)) {
    rows.push([
      name,
      formatRange(figures.wallSeconds, 2),
      figures.filesPerSecond.median.toFixed(0),
      figures.entitiesPerSecond.median.toFixed(0),
      figures.mbPerSecond.median.toFixed(2),
      figures.cpuSeconds.median.toFixed(1),
      ratios[name] ? `${ratios[name].mbPerSecond.toFixed(2)}x` : '1.00x',
    ]);
  }
  const first = (name) => measured[name][0];
  const table = [
    formatTable(rows),
    `wall s: median (min–max) of ${runs} runs; rates are medians; speed vs ast = MB/s ratio (>1: faster than CPython ast).`,
    `cpython ast phases (median s): read ${astPhases.readSeconds.median.toFixed(2)}, ` +
      `ast.parse ${astPhases.parseSeconds.median.toFixed(2)}, walk ${astPhases.walkSeconds.median.toFixed(2)}; ` +
      `read + ast.parse alone: ${astParseOnlyMbPerSecond.median.toFixed(2)} MB/s, so speed vs that: ` +
      Object.entries(ratios)
        .map(([name, ratio]) => `${name} ${ratio.mbPerSecondVsReadAndParseOnly.toFixed(2)}x`)
        .join(', ') +
      '.',
    `files: codesearch parsed ${first('codesearch (threads)').filesParsed} ` +
      `(${first('codesearch (threads)').errors} errors, ${first('codesearch (threads)').filesWithWarnings} with syntax warnings), ` +
      `ast parsed ${first('cpython ast').filesParsed} (${first('cpython ast').filesFailed} failed) of ${files.length}.`,
  ].join('\n');

  return {
    table,
    result: {
      description,
      corpus: {
        name: 'python-stdlib',
        root,
        files: files.length,
        bytes: corpusBytes,
        selection: 'every .py/.pyi file under sysconfig stdlib, site-packages excluded',
        parseOptions: STDLIB_PARSE_OPTIONS,
      },
      runs,
      units: {
        wallSeconds:
          'seconds, end to end (walk + read + parse + extraction for codesearch; read + ast.parse + walk for ast)',
        cpuSeconds: 'process CPU seconds, user + system, all threads',
        mbPerSecond: 'source bytes / 1e6 / wall seconds',
      },
      summary,
      ratiosVsAst: ratios,
      cpythonAstPhases: { ...astPhases, readAndParseOnlyMbPerSecond: astParseOnlyMbPerSecond },
      measurements: measured,
    },
  };
}
