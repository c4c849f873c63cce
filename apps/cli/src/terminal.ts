import pc from 'picocolors';

/** Where the CLI writes. Commands take one so tests can capture their output. */
export interface Terminal {
  out(line: string): void;
  error(line: string): void;
  /** True when stderr is a terminal: progress bars instead of periodic lines. */
  readonly isTTY?: boolean;
  /** Why standard output could not be written (a full disk behind `> file`), if it could not. */
  outputFailure?(): string | undefined;
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
  let failure: string | undefined;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    stdoutClosed = true;
    // A reader that went away is normal; anything else (ENOSPC, EIO) is a failed command.
    if (error.code !== 'EPIPE') failure ??= error.message;
  });
  return {
    out: (line) => {
      if (!stdoutClosed) process.stdout.write(`${line}\n`);
    },
    error: (line) => process.stderr.write(`${line}\n`),
    isTTY: Boolean(process.stderr.isTTY),
    outputFailure: () => failure,
  };
}

// picocolors turns colour on whenever CI is set; only a terminal on stdout should get it.
export const colors = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));
