import type { EntityKind, Language, LocationKey } from '@codesearch/core';
import { buildSearchText } from './search-text.js';
import type { IndexRecord, SearchHit } from './types.js';

/** The table row of a record: every column of `indexSchema`, `null` for absent optional text. */
export function toRow(record: IndexRecord): Record<string, unknown> {
  return {
    locationKey: record.locationKey,
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
    searchText: buildSearchText(record),
    vector: record.vector,
  };
}

/** A hit from a row of `HIT_COLUMNS`; optional texts that are null are left out. */
export function toHit(row: Record<string, unknown>, score: number): SearchHit {
  const hit: SearchHit = {
    locationKey: row.locationKey as LocationKey,
    filePath: row.filePath as string,
    lineNumber: Number(row.lineNumber),
    endLine: Number(row.endLine),
    qualifiedName: row.qualifiedName as string,
    name: row.name as string,
    kind: row.kind as EntityKind,
    language: row.language as Language,
    score,
  };
  if (typeof row.docstring === 'string') hit.docstring = row.docstring;
  if (typeof row.signature === 'string') hit.signature = row.signature;
  if (typeof row.sourcePreview === 'string') hit.sourcePreview = row.sourcePreview;
  return hit;
}
