import type { ChangeCounts, FreshnessReport, RefreshReport } from '../refresh.js';

/** How the files of one refresh changed, by kind (a rename is one file, not an add and a delete). */
export type FileChanges = ChangeCounts;

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
export function refreshedLine(at: Date, report: RefreshReport): string {
  const { changes } = report;
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
export function refreshedJson(at: Date, report: RefreshReport) {
  const { changes } = report;
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
