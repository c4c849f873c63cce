import { StoreError } from '@codesearch/core';

/**
 * The message of anything thrown, without assuming it is an `Error`. LanceDB's messages carry
 * Rust source locations and a `Caused by:` chain; those are cut to the outer message and the
 * root cause (the full text stays in the error's `cause`).
 */
export function messageOf(error: unknown): string {
  const raw =
    error instanceof Error
      ? error.message
      : typeof error === 'object' && error !== null && typeof (error as Error).message === 'string'
        ? (error as Error).message
        : String(error);
  const parts = raw
    .replace(/, \/\S+\.rs:\d+:\d+/g, '')
    .split(/\s*Caused by:\s*/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const first = parts[0] ?? '';
  const root = parts.at(-1) ?? '';
  return first.includes(root) ? first : `${first} (${root})`;
}

const REBUILD = 'rebuild it with `codesearch index --rebuild <path>`';

export function indexNotFound(directory: string): StoreError {
  return new StoreError(`no index at ${directory}; create it with \`codesearch index <path>\``, {
    code: 'INDEX_NOT_FOUND',
    directory,
  });
}

export function indexCorrupt(directory: string, cause: unknown): StoreError {
  return new StoreError(
    `index at ${directory} is corrupt or unreadable: ${messageOf(cause)}; ${REBUILD}, or delete ${directory} and run \`codesearch index <path>\``,
    { code: 'INDEX_CORRUPT', directory, cause },
  );
}

export function modelMismatch(
  directory: string,
  stored: { modelName: string; modelVersion: string; dimensions: number },
  wanted: { modelName: string; modelVersion: string; dimensions: number },
): StoreError {
  const describe = (m: typeof stored) => `${m.modelName} (version ${m.modelVersion}, ${m.dimensions}-d)`;
  return new StoreError(
    `index at ${directory} was built with ${describe(stored)}, not ${describe(wanted)}: vectors of two models cannot be compared; ${REBUILD} to re-embed with the new model, or delete ${directory}`,
    { code: 'MODEL_MISMATCH', directory },
  );
}

export function writeFailed(directory: string, what: string, cause: unknown): StoreError {
  return new StoreError(`cannot ${what} the index at ${directory}: ${messageOf(cause)}`, {
    code: 'WRITE_FAILED',
    directory,
    cause,
  });
}

export function invalidInput(message: string): StoreError {
  return new StoreError(message, { code: 'INVALID_INPUT' });
}
