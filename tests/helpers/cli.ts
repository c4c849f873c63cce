import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunOptions, type RunResult, run } from './run.js';

// One place for what every end-to-end test needs to run the built CLI as a user would.

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI under test; `CODESEARCH_TEST_BIN` points the suite at another build (e.g. the previous release, to see a new test fail on the old code). */
export const BIN =
  process.env.CODESEARCH_TEST_BIN ??
  fileURLToPath(new URL('../../apps/cli/bin/codesearch.js', import.meta.url));
export const MINI_REPO = fileURLToPath(new URL('../fixtures/mini-repo', import.meta.url));
/** A `--import` hook that makes any load of onnxruntime-node throw: proves the model never ran. */
export const FORBID_RUNTIME = fileURLToPath(new URL('./forbid-onnxruntime.mjs', import.meta.url));
export const MODELS_DIR =
  process.env.CODESEARCH_MODELS_DIR ?? path.join(os.homedir(), '.codesearch', 'models');

export interface CliOptions extends RunOptions {
  /** Node flags before the script (e.g. `--import`, FORBID_RUNTIME). */
  nodeOptions?: readonly string[];
}

/** `codesearch <args>` with the built CLI, from the repository root unless `cwd` is given. */
export function codesearch(args: readonly string[], options: CliOptions = {}): Promise<RunResult> {
  const { nodeOptions = [], ...rest } = options;
  return run(process.execPath, [...nodeOptions, BIN, ...args], {
    cwd: REPO_ROOT,
    timeoutMs: 280_000,
    ...rest,
  });
}

/** The result when the command exited 0; otherwise throws with the command's output. */
export function ok(result: RunResult, what = 'codesearch'): RunResult {
  if (result.code !== 0) {
    throw new Error(
      `${what}: exit ${result.code ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/** stdout of a successful command parsed as one JSON value. */
export function jsonOf<T>(result: RunResult, what?: string): T {
  return JSON.parse(ok(result, what).stdout) as T;
}

/** stdout of a successful command parsed as JSON Lines. */
export function jsonLinesOf<T>(result: RunResult, what?: string): T[] {
  return ok(result, what)
    .stdout.trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** What a crash looks like on stderr: a JS stack trace or an uncaught error class. */
export const CRASH =
  /^\s+at .+\(.+:\d+:\d+\)$|^\s+at node:|Uncaught|RangeError|TypeError|Maximum call stack|FATAL ERROR/m;

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
