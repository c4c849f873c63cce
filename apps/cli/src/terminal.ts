/** Where the CLI writes. Commands take one so tests can capture their output. */
export interface Terminal {
  out(line: string): void;
  error(line: string): void;
}

export const processTerminal: Terminal = {
  out: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};
