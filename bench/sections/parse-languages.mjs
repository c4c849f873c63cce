/**
 * Parse throughput per language on real code: `parseSource` (tree-sitter parse + entity
 * extraction + code chunks) on one thread over files already in memory, every supported
 * language, with units/s against Python's (the issue's bar: at least half). Then the bare
 * tree-sitter parse, native addon against web-tree-sitter's WebAssembly grammars, on the same
 * files, and what loading each grammar costs once.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadDist } from '../lib/dist.mjs';
import { loadLanguageCorpora, SOURCE_CAP_BYTES } from '../lib/language-corpora.mjs';
import { runPythonJson } from '../lib/python-json.mjs';
import { formatRange, formatTable, summarise, summariseRuns } from '../lib/stats.mjs';
import {
  loadNativeGrammars,
  loadWebTreeSitter,
  nativeBinaryFile,
  wasmGrammarFile,
  wasmParser,
} from '../lib/wasm-grammars.mjs';

export const description =
  'parse throughput per language on real code (native tree-sitter, 1 thread), and against web-tree-sitter';

/** The issue's bar: every language at least half of Python's units/s. */
const TARGET_RATIO = 0.5;
const LOAD_TIMES_SCRIPT = fileURLToPath(new URL('../lib/grammar-load-times.mjs', import.meta.url));

v8.setFlagsFromString('--expose-gc'); // at run time: run.mjs takes no node flags
const collectGarbage = vm.runInNewContext('gc');

/**
 * Before each timed pass: a full garbage collection, then turns of the event loop, where the
 * native trees' finalizers run (a synchronous loop never frees them: without this, a round of
 * bare native parses left ~0.8 GB more resident each time), so that no pass pays for the one before.
 */
async function settle() {
  for (let round = 0; round < 2; round++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Seconds for one pass of `parse(file)` over every file. */
async function timePass(files, parse) {
  await settle();
  const started = performance.now();
  for (const file of files) parse(file);
  return (performance.now() - started) / 1000;
}

/** The full parser: every file through parseSource, counting units (errors counted, not thrown). */
async function measureParseSource(parseSource, language, files) {
  let units = 0;
  let errors = 0;
  let filesWithWarnings = 0;
  const unitsByKind = {};
  const seconds = await timePass(files, (file) => {
    try {
      const parsed = parseSource(file.text, language, file.path);
      units += parsed.entities.length;
      if (parsed.warnings.length) filesWithWarnings++;
      for (const entity of parsed.entities) unitsByKind[entity.kind] = (unitsByKind[entity.kind] ?? 0) + 1;
    } catch {
      errors++;
    }
  });
  return { seconds, units, errors, filesWithWarnings, unitsByKind };
}

function rates(files, bytes, units, seconds) {
  return {
    seconds,
    filesPerSecond: files / seconds,
    unitsPerSecond: units / seconds,
    mbPerSecond: bytes / 1e6 / seconds,
  };
}

/** Languages grouped with their sources' files; paths prefixed by the source so they stay distinct. */
function corporaByLanguage(languages, sources) {
  const byLanguage = new Map(
    languages.map((language) => [language, { sources: [], failedSources: [], files: [] }]),
  );
  for (const source of sources) {
    const entry = byLanguage.get(source.language);
    if (!entry) continue;
    if (source.error) {
      entry.failedSources.push({ id: source.id, origin: source.origin, error: source.error });
      continue;
    }
    const bytes = source.files.reduce((sum, file) => sum + file.bytes, 0);
    entry.sources.push({
      id: source.id,
      origin: source.origin,
      root: source.root,
      filesTaken: source.files.length,
      bytesTaken: bytes,
      filesAvailable: source.candidates,
      bytesAvailable: source.candidateBytes,
      skippedByWalkOrPolicy: source.skipped,
    });
    for (const file of source.files) entry.files.push({ ...file, path: `${source.id}/${file.path}` });
  }
  for (const entry of byLanguage.values())
    entry.bytes = entry.files.reduce((sum, file) => sum + file.bytes, 0);
  return byLanguage;
}

async function measureLoadTimes(repoRoot, languages, runs, log) {
  const perMode = { native: [], wasm: [] };
  for (let index = 0; index < runs; index++) {
    // Rotated, so that the first grammar of a process (which pays for warming the loader) varies.
    const order = [
      ...languages.slice(index % languages.length),
      ...languages.slice(0, index % languages.length),
    ];
    for (const mode of ['native', 'wasm']) {
      perMode[mode].push(
        await runPythonJson(process.execPath, [LOAD_TIMES_SCRIPT, repoRoot, mode, ...order], ''),
      );
    }
    log(`parse-languages: grammar load times, run ${index + 1}/${runs}`);
  }
  const summary = {};
  for (const [mode, list] of Object.entries(perMode)) {
    summary[mode] = { initMs: summarise(list.map((run) => run.initMs)), languages: {} };
    for (const language of languages) {
      const results = list.map((run) => run.languages[language]);
      const failed = results.find((result) => result.error);
      summary[mode].languages[language] = failed
        ? { error: failed.error }
        : summarise(results.map((result) => result.ms));
    }
  }
  return summary;
}

export async function run({ repoRoot, python, runs, log }) {
  const { parseSource, SUPPORTED_LANGUAGES } = await loadDist(repoRoot, 'parser');
  const languages = [...SUPPORTED_LANGUAGES];
  const sources = await loadLanguageCorpora({ repoRoot, python, log });
  const corpora = corporaByLanguage(languages, sources);
  const measured = languages.filter((language) => corpora.get(language).files.length > 0);
  const noCorpus = languages.filter((language) => !measured.includes(language));
  for (const language of measured) {
    const { files, bytes, sources: from } = corpora.get(language);
    log(
      `parse-languages: ${language}: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB from ${from.map((source) => source.id).join(', ')}`,
    );
  }
  if (noCorpus.length) log(`parse-languages: no corpus yet for ${noCorpus.join(', ')}`);

  // Parsers of both kinds made (and grammars loaded) before any timing.
  const native = await loadNativeGrammars(repoRoot);
  const webTreeSitter = await loadWebTreeSitter(repoRoot);
  const wasm = {};
  for (const language of measured) {
    native.parserFor(language);
    const { file, missing } = wasmGrammarFile(repoRoot, language);
    if (!file) {
      wasm[language] = { missing };
      continue;
    }
    try {
      wasm[language] = { file, parser: await wasmParser(webTreeSitter, file) };
    } catch (error) {
      wasm[language] = { file, missing: `web-tree-sitter could not load it: ${error.message}` };
    }
  }
  const compared = measured.filter((language) => wasm[language].parser);
  // A warm-up pass over a few files each, so that no first timed pass pays for lazy set-up.
  for (const language of measured) {
    for (const file of corpora.get(language).files.slice(0, 5)) {
      try {
        parseSource(file.text, language, file.path);
      } catch {}
      if (wasm[language].parser) wasm[language].parser.parse(file.text).delete();
    }
  }

  const full = Object.fromEntries(measured.map((language) => [language, []]));
  const bare = Object.fromEntries(measured.map((language) => [language, { native: [], wasm: [] }]));
  const rssByRun = [];
  // Interleaved across languages and runs, so that a burst of background load spreads over all.
  for (let index = 1; index <= runs; index++) {
    // Rotated between runs, so that no language always comes first.
    const shift = (index - 1) % measured.length;
    for (const language of [...measured.slice(shift), ...measured.slice(0, shift)]) {
      const { files, bytes } = corpora.get(language);
      const pass = await measureParseSource(parseSource, language, files);
      full[language].push({ ...pass, ...rates(files.length, bytes, pass.units, pass.seconds) });
    }
    for (const language of measured) {
      const { files, bytes } = corpora.get(language);
      const nativeParser = native.parserFor(language);
      const wasmParserOfLanguage = wasm[language].parser;
      const passes = {
        native: () => timePass(files, (file) => nativeParser.parse(file.text)),
        wasm: () => timePass(files, (file) => wasmParserOfLanguage.parse(file.text).delete()),
      };
      // Which goes first alternates between runs; a language without a wasm grammar: native only.
      const order = (index % 2 ? ['native', 'wasm'] : ['wasm', 'native']).filter(
        (kind) => kind === 'native' || wasmParserOfLanguage,
      );
      for (const kind of order) {
        const seconds = await passes[kind]();
        bare[language][kind].push({ seconds, mbPerSecond: bytes / 1e6 / seconds });
      }
    }
    rssByRun.push(process.memoryUsage().rss);
    log(`parse-languages: run ${index}/${runs} done, ${(rssByRun.at(-1) / 1e6).toFixed(0)} MB resident`);
  }
  const loadTimes = await measureLoadTimes(repoRoot, measured, runs, log);
  // Untimed: the two builds of a grammar should give the same tree (node count, error or not).
  const agreement = {};
  for (const language of compared) {
    await settle();
    const { files } = corpora.get(language);
    let same = 0;
    for (const file of files) {
      const nativeRoot = native.parserFor(language).parse(file.text).rootNode;
      const wasmTree = wasm[language].parser.parse(file.text);
      const wasmRoot = wasmTree.rootNode;
      if (
        nativeRoot.descendantCount === wasmRoot.descendantCount &&
        nativeRoot.hasError === wasmRoot.hasError
      )
        same++;
      wasmTree.delete();
    }
    agreement[language] = { sameTree: same, files: files.length };
  }

  const summary = {};
  for (const language of measured) {
    const { files, bytes } = corpora.get(language);
    const first = full[language][0];
    summary[language] = {
      files: files.length,
      bytes,
      units: first.units,
      errors: first.errors,
      filesWithWarnings: first.filesWithWarnings,
      unitsByKind: first.unitsByKind,
      ...summariseRuns(full[language], ['seconds', 'filesPerSecond', 'unitsPerSecond', 'mbPerSecond']),
    };
  }
  const pythonUnitsPerSecond = summary.python?.unitsPerSecond.median;
  const belowTarget = [];
  for (const language of measured) {
    const ratio = pythonUnitsPerSecond
      ? summary[language].unitsPerSecond.median / pythonUnitsPerSecond
      : null;
    summary[language].unitsPerSecondVsPython = ratio;
    // Best run against best run: background load only ever slows a pass down, so on a shared
    // machine this ratio is the steadier one.
    const best = pythonUnitsPerSecond
      ? summary[language].unitsPerSecond.max / summary.python.unitsPerSecond.max
      : null;
    summary[language].bestUnitsPerSecondVsPython = best;
    if (ratio !== null && ratio < TARGET_RATIO) belowTarget.push({ language, ratio, best });
  }
  const nativeVsWasm = {};
  for (const language of measured) {
    const binary = nativeBinaryFile(repoRoot, language);
    const load = {
      nativeLoadMs: loadTimes.native.languages[language],
      wasmLoadMs: loadTimes.wasm.languages[language],
      nativeBinary: binary && path.relative(repoRoot, binary),
      nativeBinaryBytes: binary && statSync(binary).size,
      wasmBytes: wasm[language].file && statSync(wasm[language].file).size,
    };
    const nativeMb = summariseRuns(bare[language].native, ['mbPerSecond']).mbPerSecond;
    // How much of parseSource's time the bare parse is: the rest is extraction (units, outlines, chunks).
    summary[language].treeSitterShare = summary[language].mbPerSecond.median / nativeMb.median;
    if (!wasm[language].parser) {
      nativeVsWasm[language] = { nativeMbPerSecond: nativeMb, wasm: wasm[language].missing, ...load };
      continue;
    }
    const wasmMb = summariseRuns(bare[language].wasm, ['mbPerSecond']).mbPerSecond;
    nativeVsWasm[language] = {
      wasmFile: path.relative(repoRoot, wasm[language].file),
      nativeMbPerSecond: nativeMb,
      wasmMbPerSecond: wasmMb,
      nativeOverWasm: nativeMb.median / wasmMb.median,
      treesAgree: agreement[language],
      ...load,
    };
  }

  const table = formatTables({
    measured,
    noCorpus,
    summary,
    corpora,
    belowTarget,
    pythonUnitsPerSecond,
    nativeVsWasm,
    loadTimes,
    runs,
  });
  return {
    table,
    result: {
      description,
      runs,
      selection: {
        sourceCapBytes: SOURCE_CAP_BYTES,
        rule:
          'per source: the files the walk takes (default excludes, size limit; the stdlib as the parse section walks it) ' +
          'of the source language, decodable and not generated/minified, sorted by path; all if they fit under the cap, ' +
          'else every k-th (k = ceil(total / cap)), trimmed from the end to the cap',
      },
      units: {
        seconds: 'one pass over the language corpus, files in memory, one thread',
        unitsPerSecond: 'entities parseSource returned (definitions and code chunks) per second',
        mbPerSecond: 'source bytes / 1e6 / seconds',
        nativeMbPerSecond: 'bare tree-sitter parse (no extraction), native addon',
        wasmMbPerSecond:
          'bare tree-sitter parse (no extraction), web-tree-sitter, tree deleted after each file',
        loadMs: 'grammar load + parser set-up in a fresh process, after the runtime init (initMs)',
      },
      targetRatio: TARGET_RATIO,
      pythonUnitsPerSecond,
      belowTarget,
      noCorpus,
      failedSources: [...corpora.values()].flatMap((entry) => entry.failedSources),
      languages: Object.fromEntries(
        measured.map((language) => [
          language,
          {
            ...summary[language],
            sources: corpora.get(language).sources,
            nativeVsWasm: nativeVsWasm[language],
          },
        ]),
      ),
      residentBytesAfterEachRun: rssByRun,
      runtimeInitMs: { native: loadTimes.native.initMs, wasm: loadTimes.wasm.initMs },
      measurements: { parseSource: full, bareParse: bare },
    },
  };
}

function formatTables({
  measured,
  noCorpus,
  summary,
  corpora,
  belowTarget,
  pythonUnitsPerSecond,
  nativeVsWasm,
  loadTimes,
  runs,
}) {
  const throughput = [
    [
      'language',
      'files',
      'MB',
      'units',
      'files/s',
      'units/s',
      'MB/s',
      'vs python',
      'best vs py',
      'syntax err',
      'parse %',
      '',
    ],
  ];
  for (const language of measured) {
    const figures = summary[language];
    const ratio = figures.unitsPerSecondVsPython;
    throughput.push([
      language,
      figures.files,
      (figures.bytes / 1e6).toFixed(2),
      figures.units,
      figures.filesPerSecond.median.toFixed(0),
      formatRange(figures.unitsPerSecond, 0),
      figures.mbPerSecond.median.toFixed(2),
      ratio === null ? '–' : ratio.toFixed(2),
      figures.bestUnitsPerSecondVsPython === null ? '–' : figures.bestUnitsPerSecondVsPython.toFixed(2),
      figures.filesWithWarnings,
      `${(figures.treeSitterShare * 100).toFixed(0)}%`,
      ratio !== null && ratio < TARGET_RATIO ? '< 0.5 !' : figures.errors ? `${figures.errors} errors` : '',
    ]);
  }
  for (const language of noCorpus) {
    const failed = corpora.get(language).failedSources;
    throughput.push([
      language,
      'no corpus',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      failed.length ? 'fetch failed' : '',
    ]);
  }
  const failedSources = [...corpora.values()].flatMap((entry) => entry.failedSources);

  const ms = (figure) => (figure.error ? 'fails' : figure.median.toFixed(1));
  const kb = (bytes) => (bytes ? (bytes / 1024).toFixed(0) : '–');
  const comparison = [
    [
      'language',
      'native MB/s',
      'wasm MB/s',
      'native/wasm',
      'same tree',
      'load native ms',
      'load wasm ms',
      '.node KB',
      '.wasm KB',
    ],
  ];
  for (const language of measured) {
    const figures = nativeVsWasm[language];
    comparison.push([
      language,
      figures.nativeMbPerSecond ? figures.nativeMbPerSecond.median.toFixed(2) : '–',
      figures.wasmMbPerSecond ? figures.wasmMbPerSecond.median.toFixed(2) : 'no wasm',
      figures.nativeOverWasm ? `${figures.nativeOverWasm.toFixed(2)}x` : '–',
      figures.treesAgree ? `${figures.treesAgree.sameTree}/${figures.treesAgree.files}` : '–',
      ms(figures.nativeLoadMs),
      figures.wasmBytes ? ms(figures.wasmLoadMs) : '–',
      kb(figures.nativeBinaryBytes),
      kb(figures.wasmBytes),
    ]);
  }
  const withoutWasm = measured.filter((language) => !nativeVsWasm[language].nativeOverWasm);
  const ratios = measured
    .map((language) => nativeVsWasm[language].nativeOverWasm)
    .filter((ratio) => ratio !== undefined);

  return [
    formatTable(throughput),
    `parseSource on 1 thread, files in memory; units/s: median (min–max) of ${runs} runs, other rates medians; ` +
      `vs python = units/s / python's ${pythonUnitsPerSecond?.toFixed(0) ?? '?'} (target ≥ ${TARGET_RATIO}); ` +
      "best vs py = the language's fastest run over python's fastest (load only slows runs down); " +
      'syntax err = files parsed with syntax errors (their units outside the errors still count); ' +
      "parse % = share of parseSource's time in the bare native tree-sitter parse (its MB/s over the bare parse's), the rest is extraction.",
    belowTarget.length
      ? `below half of python (median; best run vs best run): ${belowTarget.map(({ language, ratio, best }) => `${language} ${ratio.toFixed(2)} (${best.toFixed(2)})`).join(', ')}.`
      : 'no language below half of python.',
    `corpora (≤ ${(SOURCE_CAP_BYTES / 1e6).toFixed(1)} MB per source): ` +
      measured
        .map(
          (language) =>
            `${language} ${corpora
              .get(language)
              .sources.map((source) => `${source.id} ${source.filesTaken}/${source.filesAvailable}`)
              .join(' + ')}`,
        )
        .join('; ') +
      '.',
    ...(failedSources.length
      ? [
          `left out, could not fetch: ${failedSources.map((source) => `${source.id} (${source.error})`).join('; ')}.`,
        ]
      : []),
    '',
    formatTable(comparison),
    'bare tree-sitter parse of the same files (no extraction), MB/s medians; same tree: files whose native and wasm trees ' +
      'have the same node count and error state; load = grammar load + parser set-up ' +
      'in a fresh process, median ms; .node / .wasm KB: the file loaded (the prebuilt binary for this platform; typescript and tsx share one).',
    `runtime init (median ms): native ${loadTimes.native.initMs.median.toFixed(0)} (tree-sitter addon + dist/grammars.js), ` +
      `wasm ${loadTimes.wasm.initMs.median.toFixed(0)} (web-tree-sitter import + Parser.init). ` +
      (ratios.length
        ? `native/wasm parse speed: ${Math.min(...ratios).toFixed(2)}x–${Math.max(...ratios).toFixed(2)}x, median ${summarise(ratios).median.toFixed(2)}x.`
        : '') +
      (withoutWasm.length
        ? ` No wasm: ${withoutWasm.map((language) => `${language} (${nativeVsWasm[language].wasm})`).join(', ')}.`
        : ''),
  ].join('\n');
}
