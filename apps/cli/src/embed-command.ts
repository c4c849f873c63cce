import type { RepositoryEmbedding } from '@codesearch/batch';
import { FileOperationError } from '@codesearch/fs';
import Table from 'cli-table3';
import {
  type EmbedRunOptions,
  parseReport,
  type RunOutcome,
  reportFailures,
  runEmbedRepository,
  runEmbedStream,
  summaryRows,
} from './embed-run.js';
import { checkOutputTarget, isStandardOutput, writeResultFile } from './result-file.js';
import { formatShard, type Shard } from './shard.js';
import type { Terminal } from './terminal.js';

export interface EmbedCommandOptions extends EmbedRunOptions {
  output?: string;
  json?: boolean;
}

function summaryTable(outcome: RunOutcome, seconds: number, shard?: Shard): string {
  const table = new Table({ style: { head: [], border: [], compact: true } });
  if (shard) table.push(['shard', formatShard(shard)]);
  table.push(...summaryRows(outcome, seconds));
  return table.toString();
}

/** What `--json` prints: the result without its vectors, plus the walk's counts (and the shard). */
function jsonReport(outcome: RunOutcome, shard?: Shard) {
  const { result } = outcome;
  return {
    ...(shard ? { shard: formatShard(shard) } : {}),
    summary: result.summary,
    errors: result.errors,
    metadata: result.metadata,
    warnings: result.warnings,
    parse: parseReport(outcome),
  };
}

export async function runEmbed(
  target: string,
  options: EmbedCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const { output } = options;
  const resultOnStdout = output !== undefined && isStandardOutput(output);
  if (resultOnStdout && options.json) {
    terminal.error(
      `codesearch: --json and --output ${output} both write to standard output; drop --json (the full result includes its fields) or give --output a file`,
    );
    return 2;
  }
  // Checked before the run, not after it: a typo in --output must not cost the embedding run.
  if (output !== undefined) {
    try {
      await checkOutputTarget(output);
    } catch (error) {
      if (!(error instanceof FileOperationError)) throw error;
      terminal.error(`codesearch: ${error.message}`);
      return 1;
    }
  }

  // Only --output needs every vector at once; otherwise the run streams (one chunk in memory).
  const run =
    output !== undefined
      ? await runEmbedRepository(target, options, terminal)
      : await runEmbedStream(target, options, terminal);
  if ('exitCode' in run) return run.exitCode;
  const { outcome, seconds } = run;
  const { result } = outcome;
  // The cache is already saved (embedRepository closes it); a failed write loses nothing else either.
  let writeError: Error | undefined;
  if (output !== undefined) {
    const whole = (outcome as RepositoryEmbedding).result;
    try {
      await writeResultFile(output, whole);
      terminal.error(
        `wrote ${resultOnStdout ? 'the result to standard output' : output} (${Object.keys(whole.embeddings).length} entries with vectors)`,
      );
    } catch (error) {
      writeError = error as Error;
    }
  }
  if (options.json) terminal.out(JSON.stringify(jsonReport(outcome, options.shard)));
  // With the result on stdout, the table goes to stderr so that stdout stays one JSON document.
  else if (resultOnStdout) terminal.error(summaryTable(outcome, seconds, options.shard));
  else terminal.out(summaryTable(outcome, seconds, options.shard));
  const exitCode = reportFailures(outcome, options, terminal);
  if (!writeError) return exitCode;
  // The cache was closed (and saved) by the run before the write was tried.
  const saved = result.cacheSaved
    ? ' (the embeddings are saved in the cache: running again writes the result without embedding anything)'
    : '';
  terminal.error(`codesearch: ${writeError.message}${saved}`);
  return 1;
}
