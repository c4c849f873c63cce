import { StoreError } from '@codesearch/core';
import type { LockHolder } from '@codesearch/fs';

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

/**
 * The commands a message tells the user to run. With `indexCommand` (the exact command that
 * builds this index) they are that command and it with `--rebuild`; without it, placeholders
 * that a caller may replace (`codesearch index <path>`, `codesearch index --rebuild <path>`).
 */
export interface Hints {
  create: string;
  rebuild: string;
}

export function hintsFor(indexCommand: string | undefined): Hints {
  if (typeof indexCommand === 'string' && indexCommand.trim() !== '') {
    return { create: `\`${indexCommand}\``, rebuild: `\`${indexCommand} --rebuild\`` };
  }
  return { create: '`codesearch index <path>`', rebuild: '`codesearch index --rebuild <path>`' };
}

export function indexNotFound(directory: string, hints: Hints): StoreError {
  return new StoreError(`no index at ${directory}; create it with ${hints.create}`, {
    code: 'INDEX_NOT_FOUND',
    directory,
  });
}

/** A sync of some files only needs an index of the current format to sync into. */
export function partialSyncWithoutIndex(directory: string, hints: Hints): StoreError {
  return new StoreError(
    `cannot update some files of the index at ${directory}: it does not exist yet or must be rebuilt; build it whole with ${hints.create}`,
    { code: 'INDEX_NOT_FOUND', directory },
  );
}

export function indexCorrupt(directory: string, cause: unknown, hints: Hints): StoreError {
  return new StoreError(
    `index at ${directory} is corrupt or unreadable: ${messageOf(cause)}; rebuild it with ${hints.rebuild}`,
    { code: 'INDEX_CORRUPT', directory, cause },
  );
}

export function indexFormat(directory: string, what: string, hints: Hints): StoreError {
  return new StoreError(`index at ${directory} ${what}; rebuild it with ${hints.rebuild}`, {
    code: 'INDEX_FORMAT',
    directory,
  });
}

/**
 * An index of an older marked format (`OUTDATED_FORMATS`): derived data this version replaces
 * by itself, so the command to run is the plain index command, whose sync rebuilds it.
 */
export function indexOutdated(directory: string, format: string, current: string, hints: Hints): StoreError {
  return new StoreError(
    `index at ${directory} was built by an older codesearch (format ${format}; this version reads ${current}); ` +
      `update it with ${hints.create}, which rebuilds it`,
    { code: 'INDEX_OUTDATED', directory },
  );
}

/** A directory with the pre-marker layout (`code.lance` alone). */
export function legacyIndex(directory: string, hints: Hints): StoreError {
  return indexFormat(
    directory,
    'was built by an older codesearch (a bare code.lance, no codesearch-index.json) and must be rebuilt',
    hints,
  );
}

export function notAnIndex(directory: string, entries: readonly string[]): StoreError {
  const shown = entries.slice(0, 5).join(', ');
  const more = entries.length > 5 ? `, … (${entries.length} entries)` : '';
  return new StoreError(
    `${directory} is not a codesearch index: it has no codesearch-index.json and holds other files (${shown}${more}); ` +
      'nothing was changed in it. Choose an empty or new directory for the index',
    { code: 'NOT_AN_INDEX', directory },
  );
}

export function notWritable(directory: string, cause: unknown): StoreError {
  return new StoreError(`cannot write the index directory ${directory}: ${messageOf(cause)}`, {
    code: 'INDEX_NOT_WRITABLE',
    directory,
    cause,
  });
}

export function indexLocked(directory: string, holder: LockHolder | undefined, waitedMs: number): StoreError {
  const who = holder
    ? `process ${holder.pid}${holder.command ? ` (${holder.command})` : ''} since ${holder.since}`
    : 'another process';
  return new StoreError(
    `index at ${directory} is being written by ${who}; gave up after waiting ${Math.round(waitedMs / 1000)} s. Try again when it has finished`,
    { code: 'INDEX_LOCKED', directory },
  );
}

export function modelMismatch(
  directory: string,
  stored: { modelName: string; modelVersion: string; dimensions: number },
  wanted: { modelName: string; modelVersion: string; dimensions: number },
  hints: Hints,
): StoreError {
  const describe = (m: typeof stored) => `${m.modelName} (version ${m.modelVersion}, ${m.dimensions}-d)`;
  return new StoreError(
    `index at ${directory} was built with ${describe(stored)}, not ${describe(wanted)}: vectors of two models cannot be compared; rebuild it with ${hints.rebuild} to re-embed with the new model`,
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

export function storeFailed(directory: string, cause: unknown): StoreError {
  return new StoreError(`cannot open the index at ${directory}: ${messageOf(cause)}`, {
    code: 'STORE_FAILED',
    directory,
    cause,
  });
}

export function invalidInput(message: string): StoreError {
  return new StoreError(message, { code: 'INVALID_INPUT' });
}
