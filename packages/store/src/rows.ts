import type { EntityKind, Language, LocationKey } from '@codesearch/core';
import { buildSearchText } from './search-text.js';
import type { Candidate, IndexRecord } from './types.js';

/**
 * A row's identity as one string: the location key for window 0 (so a unit embedded whole keeps
 * its key), `<locationKey>#<window>` for the others. Never ambiguous: a location key ends in
 * `:<line>`, never in `#<digits>`.
 */
export function rowKey(locationKey: string, window: number): string {
  return window === 0 ? locationKey : `${locationKey}#${window}`;
}

/** The table row of a record: every column of `indexSchema`, `null` for absent optional text. */
export function toRow(record: IndexRecord): Record<string, unknown> {
  return {
    rowKey: rowKey(record.locationKey, record.window),
    locationKey: record.locationKey,
    window: record.window,
    windowStart: record.windowStart,
    windowEnd: record.windowEnd,
    parent: record.parent ?? null,
    filePath: record.filePath,
    lineNumber: record.lineNumber,
    endLine: record.endLine,
    kind: record.kind,
    name: record.name,
    qualifiedName: record.qualifiedName,
    language: record.language,
    docstring: record.docstring ?? null,
    signature: record.signature ?? null,
    text: record.text,
    sourcePreview: record.sourcePreview ?? null,
    contentDigest: record.contentDigest,
    searchText: buildSearchText({
      qualifiedName: record.qualifiedName,
      text: record.lexicalText ?? record.text,
    }),
    vector: record.vector,
  };
}

/**
 * A candidate (or a search hit: the same fields) from a row of `HIT_COLUMNS`; optional texts
 * that are null are left out.
 */
export function toCandidate(row: Record<string, unknown>, score: number): Candidate {
  const hit: Candidate = {
    locationKey: row.locationKey as LocationKey,
    window: Number(row.window),
    windowStart: Number(row.windowStart),
    windowEnd: Number(row.windowEnd),
    filePath: row.filePath as string,
    lineNumber: Number(row.lineNumber),
    endLine: Number(row.endLine),
    qualifiedName: row.qualifiedName as string,
    name: row.name as string,
    kind: row.kind as EntityKind,
    language: row.language as Language,
    score,
  };
  if (typeof row.parent === 'string') hit.parent = row.parent;
  if (typeof row.docstring === 'string') hit.docstring = row.docstring;
  if (typeof row.signature === 'string') hit.signature = row.signature;
  if (typeof row.sourcePreview === 'string') hit.sourcePreview = row.sourcePreview;
  return hit;
}
