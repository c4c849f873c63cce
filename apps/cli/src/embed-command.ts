import type { RepositoryEmbedding } from '@codesearch/batch';
import Table from 'cli-table3';
import {
  type EmbedRunOptions,
  parseReport,
  reportFailures,
  runEmbedRepository,
  summaryRows,
} from './embed-run.js';
import { writeResultFile } from './result-file.js';
import type { Terminal } from './terminal.js';

export interface EmbedCommandOptions extends EmbedRunOptions {
  output?: string;
  json?: boolean;
}

function summaryTable(outcome: RepositoryEmbedding, seconds: number): string {
  const table = new Table({ style: { head: [], border: [], compact: true } });
  table.push(...summaryRows(outcome, seconds));
  return table.toString();
}

/** What `--json` prints: the result without its vectors, plus the walk's counts. */
function jsonReport(outcome: RepositoryEmbedding) {
  const { result } = outcome;
  return {
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
  const run = await runEmbedRepository(target, options, terminal);
  if ('exitCode' in run) return run.exitCode;
  const { outcome, seconds } = run;
  const { result } = outcome;
  if (options.output) {
    await writeResultFile(options.output, result);
    terminal.error(`wrote ${options.output} (${Object.keys(result.embeddings).length} entries with vectors)`);
  }
  if (options.json) terminal.out(JSON.stringify(jsonReport(outcome)));
  else terminal.out(summaryTable(outcome, seconds));
  return reportFailures(outcome, options, terminal);
}
