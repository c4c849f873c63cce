import { stat } from 'node:fs/promises';
import type { CodeEntity } from '@codesearch/core';
import { type DirectoryParseEvent, parseDirectory } from '@codesearch/parser';
import Table from 'cli-table3';
import { type WalkCommandOptions, walkOptions } from './options.js';
import { parseProblemReporter } from './parse-problems.js';
import { colors, type Terminal } from './terminal.js';

export interface ParseCommandOptions extends WalkCommandOptions {
  json?: boolean;
  verbose?: boolean;
}

/** The fields `--json` prints for each entity, in this order. */
function entityRecord(entity: CodeEntity) {
  return {
    kind: entity.kind,
    name: entity.name,
    qualifiedName: entity.qualifiedName,
    filePath: entity.filePath,
    lineNumber: entity.lineNumber,
    endLine: entity.endLine,
    language: entity.language,
    docstring: entity.docstring ?? null,
    signature: entity.signature ?? null,
    parent: entity.parent ?? null,
  };
}

function firstLine(text: string | undefined, width: number): string {
  const line = (text ?? '').split('\n', 1)[0]!.trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export async function runParse(
  target: string,
  options: ParseCommandOptions,
  terminal: Terminal,
): Promise<number> {
  const reportProblem = parseProblemReporter(terminal, options.verbose ?? false);
  const onEvent = (event: DirectoryParseEvent): void => {
    reportProblem(event);
    if (options.json && event.type === 'file') {
      for (const entity of event.file.entities) terminal.out(JSON.stringify(entityRecord(entity)));
    }
  };

  const result = await parseDirectory(target, {
    ...walkOptions(options),
    onEvent,
  });

  const { stats } = result;
  if (!options.json) {
    const table = new Table({
      head: ['location', 'kind', 'name', 'doc'],
      style: { head: [], border: [], compact: true },
    });
    for (const entity of result.entities) {
      table.push([
        `${entity.filePath}:${entity.lineNumber}`,
        entity.kind,
        entity.qualifiedName,
        firstLine(entity.docstring, 50),
      ]);
    }
    if (result.entities.length > 0) terminal.out(table.toString());
    const summary = new Table({
      head: ['language', 'files', 'entities'],
      style: { head: [], border: [], compact: true },
    });
    for (const [language, counts] of Object.entries(stats.byLanguage).sort()) {
      summary.push([language, counts.files, counts.entities]);
    }
    summary.push([
      colors.bold('total'),
      colors.bold(String(stats.filesParsed)),
      colors.bold(String(stats.entities)),
    ]);
    terminal.out(summary.toString());
  }
  const seconds = (stats.durationMs / 1000).toFixed(2);
  const skippedNote =
    result.skipped.length > 0
      ? `, ${result.skipped.length} skipped${options.verbose ? '' : ' (--verbose lists them)'}`
      : '';
  terminal.error(
    `parsed ${plural(stats.filesParsed, 'file')}, ${plural(stats.entities, 'entity', 'entities')} in ${seconds}s` +
      `${skippedNote}${result.errors.length > 0 ? `, ${result.errors.length} with errors` : ''}`,
  );
  // A walk that completed succeeds even with bad files in it; a single file that failed does not.
  const targetIsFile = (await stat(target)).isFile();
  return targetIsFile && result.errors.length > 0 ? 1 : 0;
}
