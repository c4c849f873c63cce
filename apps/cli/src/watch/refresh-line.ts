import type { FreshnessReport, RefreshReport } from '../refresh.js';

/** How the files of one refresh changed, by kind (a rename is one file, not an add and a delete). */
export interface FileChanges {
  added: number;
  changed: number;
  deleted: number;
  renamed: number;
}

/**
 * Sorts the files of a refresh by kind, from the manifests before and after it (path →
 * sha256): re-indexed and known before is `changed`, removed and present under a new path
 * with the same content is `renamed`, otherwise `added` and `deleted`.
 */
export function classifyChanges(
  report: Pick<RefreshReport, 'indexed' | 'removed'>,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): FileChanges {
  const changes: FileChanges = { added: 0, changed: 0, deleted: 0, renamed: 0 };
  const newFiles: string[] = [];
  for (const file of report.indexed) {
    if (before.has(file)) changes.changed++;
    else newFiles.push(file);
  }
  const newByDigest = new Map<string, number>();
  for (const file of newFiles) {
    const digest = after.get(file);
    if (digest !== undefined) newByDigest.set(digest, (newByDigest.get(digest) ?? 0) + 1);
  }
  for (const file of report.removed) {
    const digest = before.get(file);
    const waiting = digest === undefined ? 0 : (newByDigest.get(digest) ?? 0);
    if (waiting > 0) {
      newByDigest.set(digest!, waiting - 1);
      changes.renamed++;
    } else changes.deleted++;
  }
  changes.added = newFiles.length - changes.renamed;
  return changes;
}

export function changedFileCount(changes: FileChanges): number {
  return changes.added + changes.changed + changes.deleted + changes.renamed;
}

/** `12:03:04`: the local time of day. */
export function clock(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `12:03:04 re-indexed 3 files (2 changed, 1 deleted): 14 units, 2 embedded, 180 ms`. */
export function refreshedLine(at: Date, report: RefreshReport, changes: FileChanges): string {
  const totals = `${plural(report.units, 'unit')}, ${report.embedded} embedded, ${report.ms} ms`;
  if (report.whole)
    return `${clock(at)} indexed the tree: ${plural(report.indexed.length, 'file')}, ${totals}`;
  const kinds = (Object.entries(changes) as Array<[keyof FileChanges, number]>)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`);
  const detail = kinds.length > 0 ? ` (${kinds.join(', ')})` : '';
  return `${clock(at)} re-indexed ${plural(changedFileCount(changes), 'file')}${detail}: ${totals}`;
}

/** `12:03:04 not re-indexed: <reason>; retrying in 2 s (or at the next change)`. */
export function notRefreshedLine(at: Date, reason: string, retryMs: number): string {
  return `${clock(at)} not re-indexed: ${reason}; retrying in ${Math.round(retryMs / 1000)} s (or at the next change)`;
}

/** The `--json` line of a refresh that wrote the index. */
export function refreshedJson(at: Date, report: RefreshReport, changes: FileChanges) {
  return {
    type: 'refresh',
    time: at.toISOString(),
    state: 'refreshed' as const,
    whole: report.whole,
    files: report.whole ? report.indexed.length : changedFileCount(changes),
    ...changes,
    indexed: report.indexed,
    removed: report.removed,
    units: report.units,
    embedded: report.embedded,
    ms: report.ms,
    errors: report.errors,
  };
}

/** The `--json` line of a refresh that left the index as it was (`stale`) or failed. */
export function notRefreshedJson(
  at: Date,
  outcome: { state: 'stale'; report: FreshnessReport } | { state: 'failed'; error: string },
  retryMs: number,
) {
  return {
    type: 'refresh',
    time: at.toISOString(),
    ...(outcome.state === 'stale'
      ? { state: 'stale', reason: outcome.report.reason, pending: outcome.report.pending }
      : { state: 'failed', error: outcome.error }),
    retryInMs: retryMs,
  };
}
