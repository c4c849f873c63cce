import pc from 'picocolors';

/** Where the CLI writes. Commands take one so tests can capture their output. */
export interface Terminal {
  out(line: string): void;
  error(line: string): void;
  /** True when stderr is a terminal: progress bars instead of periodic lines. */
  readonly isTTY?: boolean;
}

/**
 * The process's stdout and stderr. When the reader of stdout goes away
 * (`codesearch parse . --json | head`), further output is dropped instead of the process
 * dying of an unhandled EPIPE error.
 *
 * The command still runs to its end: exiting at once would tear down parser threads in the
 * middle of a tree-sitter parse, which aborts the process (SIGABRT, "terminate called after
 * throwing an instance of 'Napi::Error'").
 */
export function processTerminal(): Terminal {
  let stdoutClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutClosed = true;
  });
  return {
    out: (line) => {
      if (!stdoutClosed) process.stdout.write(`${line}\n`);
    },
    error: (line) => process.stderr.write(`${line}\n`),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

// picocolors turns colour on whenever CI is set; only a terminal on stdout should get it.
export const colors = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));
