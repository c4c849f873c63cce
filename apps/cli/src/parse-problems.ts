import type { DirectoryParseEvent } from '@codesearch/parser';
import type { Terminal } from './terminal.js';

/** Prints a walk's bad files and syntax warnings to stderr (skipped files only when verbose). */
export function parseProblemReporter(terminal: Terminal, verbose: boolean) {
  return (event: DirectoryParseEvent): void => {
    if (event.type === 'error') terminal.error(`error: ${event.error.filePath}: ${event.error.reason}`);
    else if (event.type === 'skipped' && verbose)
      terminal.error(`skipped: ${event.skipped.relativePath}: ${event.skipped.reason}`);
    else if (event.type === 'file' && event.file.warnings.length > 0) {
      for (const warning of event.file.warnings)
        terminal.error(`warning: ${event.file.filePath}: ${warning}`);
    }
  };
}
