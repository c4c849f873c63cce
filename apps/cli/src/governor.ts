import { defaultThreadCount, PRECISIONS, type Precision } from '@codesearch/embedder';
import { InvalidArgumentError } from 'commander';
import { lowerPriority } from './watch/low-priority.js';

/** The flags that decide how much of the machine a command takes, and how the model computes. */
export interface GovernorOptions {
  /** `--threads <n>`: cores the model uses (default: every core, all but one from 4 cores up). */
  threads?: number;
  /** `--low-priority`: below-normal OS priority for the process and every thread it starts. */
  lowPriority?: boolean;
  /** `--precision int8|fp32`. */
  precision?: Precision;
}

/** Niceness of `--low-priority`: the scheduler gives the user's own work the cores first. */
export const LOW_PRIORITY_NICENESS = 10;

/** commander parser for `--precision`. */
export function parsePrecision(value: string): Precision {
  if ((PRECISIONS as readonly string[]).includes(value)) return value as Precision;
  throw new InvalidArgumentError(`expected one of ${PRECISIONS.join(', ')}`);
}

/**
 * Applies `--low-priority` before any model or worker thread starts (new threads inherit
 * their creator's niceness), and returns the embedder options the flags ask for.
 */
export function applyGovernor(
  options: GovernorOptions,
  warn: (message: string) => void,
): { threads?: number; precision?: Precision } {
  if (options.lowPriority && !lowerPriority(LOW_PRIORITY_NICENESS))
    warn(
      'warning: --low-priority: this system did not let codesearch lower its priority; running at normal priority',
    );
  return {
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.precision ? { precision: options.precision } : {}),
  };
}

/** `--threads` as the help says it, with this machine's default. */
export function threadsHelp(): string {
  return `cores the model uses (default here ${defaultThreadCount()}: every core, all but one from 4 cores up; int8 runs one single-threaded session per core)`;
}
