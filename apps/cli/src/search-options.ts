import { InvalidArgumentError } from 'commander';

// Parsers of the `search` flags, checked when the arguments are parsed (before any model or
// index is opened). Light: the program imports this at start.

/** `-C 2` → 2; zero allowed. */
export function parseContextLines(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0 || number > 1000) {
    throw new InvalidArgumentError(`not a whole number from 0 to 1000: '${value}'`);
  }
  return number;
}

/** `--min-score 0.5` → 0.5: a share of the best hit's score, from 0 to 1. */
export function parseMinScore(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new InvalidArgumentError(`not a number from 0 to 1 (a share of the best hit's score): '${value}'`);
  }
  return number;
}
