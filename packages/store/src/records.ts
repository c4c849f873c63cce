import { type CodeEntity, type LocationKey, StoreError } from '@codesearch/core';
import type { IndexRecord } from './types.js';

/** Lines of code kept for showing a hit. */
export const DEFAULT_PREVIEW_LINES = 8;
const PREVIEW_MAX_CHARS = 600;

/** The first `lines` lines of `sourceCode`, trailing blanks dropped, at most 600 characters. */
export function sourcePreview(sourceCode: string, lines = DEFAULT_PREVIEW_LINES): string {
  const head = sourceCode.split(/\r?\n/).slice(0, lines).join('\n').trimEnd();
  return head.length <= PREVIEW_MAX_CHARS ? head : `${head.slice(0, PREVIEW_MAX_CHARS - 1)}…`;
}

/** What the embedding pipeline knows about each entity, in one order (batch's `result.keys`). */
export interface RecordsInput {
  entities: readonly CodeEntity[];
  /** `keys[i]` is the location key of `entities[i]` (batch: `result.keys`). */
  keys: readonly LocationKey[];
  /** `vectors[i]` for `entities[i]`; `null` when it failed (batch: `result.embeddings[keys[i]]`). */
  vectors: ReadonlyArray<number[] | Float32Array | null | undefined>;
  /** The prepared text of each entity (what the model embedded); `null` when preparation failed. */
  texts: ReadonlyArray<string | null | undefined>;
  /** The content digest of each entity (`contentKey` of `@codesearch/cache`); `null` when unknown. */
  digests: ReadonlyArray<string | null | undefined>;
}

export interface RecordsResult {
  records: IndexRecord[];
  /** Keys of entities left out: no vector, no text or no digest (failed upstream). */
  skipped: LocationKey[];
}

/**
 * Joins parallel arrays into index records. Pure: no I/O. Entities that have no vector, text or
 * digest (they failed upstream and are in the batch's `errors`) are left out and listed in
 * `skipped`, so a sync keeps the index free of them. Arrays of different lengths are refused.
 */
export function recordsFromEntities(
  input: RecordsInput,
  options: { previewLines?: number } = {},
): RecordsResult {
  const { entities, keys, vectors, texts, digests } = input;
  for (const [name, array] of Object.entries({ keys, vectors, texts, digests })) {
    if (array.length !== entities.length) {
      throw new StoreError(
        `recordsFromEntities: ${name} has ${array.length} items for ${entities.length} entities`,
        { code: 'INVALID_INPUT' },
      );
    }
  }
  const records: IndexRecord[] = [];
  const skipped: LocationKey[] = [];
  entities.forEach((entity, i) => {
    const key = keys[i]!;
    const vector = vectors[i];
    const text = texts[i];
    const digest = digests[i];
    if (!vector || typeof text !== 'string' || typeof digest !== 'string') {
      skipped.push(key);
      return;
    }
    const record: IndexRecord = {
      locationKey: key,
      filePath: entity.filePath,
      lineNumber: entity.lineNumber,
      endLine: entity.endLine,
      kind: entity.kind,
      name: entity.name,
      qualifiedName: entity.qualifiedName,
      language: entity.language,
      text,
      sourcePreview: sourcePreview(entity.sourceCode, options.previewLines),
      contentDigest: digest,
      vector: vector instanceof Float32Array ? vector : Float32Array.from(vector),
    };
    if (entity.docstring) record.docstring = entity.docstring;
    if (entity.signature) record.signature = entity.signature;
    records.push(record);
  });
  return { records, skipped };
}
