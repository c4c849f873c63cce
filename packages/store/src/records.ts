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

/** One window of a long unit as embedded (batch: `prepared[i].windows[j]` and its vector). */
export interface RecordWindow {
  /** File lines of the window. */
  startLine: number;
  endLine: number;
  /** The prepared text of the window. */
  text: string;
  /** Its content digest (`contentKey`). */
  digest: string;
  /** `null` when it failed: then the whole unit is left out. */
  vector: number[] | Float32Array | null;
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
  /**
   * `windows[i]`: every window of `entities[i]` when it was embedded as several (batch:
   * `prepared[i].windows` with `windowEmbeddings[keys[i]]`); `null`, absent or empty: one row
   * from `vectors[i]`, `texts[i]` and `digests[i]`.
   */
  windows?: ReadonlyArray<ReadonlyArray<RecordWindow> | null | undefined>;
}

export interface RecordsResult {
  records: IndexRecord[];
  /** Keys of entities left out: no vector, no text or no digest (failed upstream), for any window. */
  skipped: LocationKey[];
}

/**
 * Joins parallel arrays into index records: one per entity, or one per window for an entity
 * given `windows`. Pure: no I/O. Entities that have no vector, text or digest — for any of
 * their windows — (they failed upstream and are in the batch's `errors`) are left out whole and
 * listed in `skipped`, so a sync keeps the index free of them. Arrays of different lengths are
 * refused.
 */
export function recordsFromEntities(
  input: RecordsInput,
  options: { previewLines?: number } = {},
): RecordsResult {
  const { entities, keys, vectors, texts, digests, windows } = input;
  const arrays =
    windows === undefined ? { keys, vectors, texts, digests } : { keys, vectors, texts, digests, windows };
  for (const [name, array] of Object.entries(arrays)) {
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
    const unitWindows = windows?.[i];
    const rows =
      unitWindows && unitWindows.length > 0
        ? windowRecords(entity, key, unitWindows, options.previewLines)
        : wholeRecord(entity, key, vectors[i], texts[i], digests[i], options.previewLines);
    if (rows) records.push(...rows);
    else skipped.push(key);
  });
  return { records, skipped };
}

function wholeRecord(
  entity: CodeEntity,
  key: LocationKey,
  vector: number[] | Float32Array | null | undefined,
  text: string | null | undefined,
  digest: string | null | undefined,
  previewLines: number | undefined,
): IndexRecord[] | undefined {
  if (!vector || typeof text !== 'string' || typeof digest !== 'string') return undefined;
  return [
    unitRecord(entity, key, {
      window: 0,
      windowStart: entity.lineNumber,
      windowEnd: entity.endLine,
      text,
      contentDigest: digest,
      vector,
      sourcePreview: sourcePreview(entity.sourceCode, previewLines),
    }),
  ];
}

/** The most of a unit's code the full-text index holds on its window-0 row. */
export const MAX_LEXICAL_CHARS = 100_000;

function windowRecords(
  entity: CodeEntity,
  key: LocationKey,
  windows: ReadonlyArray<RecordWindow>,
  previewLines: number | undefined,
): IndexRecord[] | undefined {
  if (!windows.every((w) => w?.vector && typeof w.text === 'string' && typeof w.digest === 'string')) {
    return undefined;
  }
  const codeLines = entity.sourceCode.split(/\r?\n/);
  return windows.map((w, j) =>
    unitRecord(entity, key, {
      window: j,
      windowStart: w.startLine,
      windowEnd: w.endLine,
      text: w.text,
      // Window 0 carries the whole unit for BM25 (bounded): windows may skip lines, words do not.
      ...(j === 0 && windows.length > 1
        ? { lexicalText: `${w.text}\n${entity.sourceCode.slice(0, MAX_LEXICAL_CHARS)}` }
        : {}),
      contentDigest: w.digest,
      vector: w.vector!,
      // Window 0 shows the unit's start; a later window its own first lines.
      sourcePreview:
        j === 0
          ? sourcePreview(entity.sourceCode, previewLines)
          : sourcePreview(
              codeLines.slice(Math.max(0, w.startLine - entity.lineNumber)).join('\n'),
              previewLines,
            ),
    }),
  );
}

function unitRecord(
  entity: CodeEntity,
  key: LocationKey,
  row: Pick<
    IndexRecord,
    'window' | 'windowStart' | 'windowEnd' | 'text' | 'lexicalText' | 'contentDigest' | 'sourcePreview'
  > & {
    vector: number[] | Float32Array;
  },
): IndexRecord {
  const record: IndexRecord = {
    locationKey: key,
    window: row.window,
    windowStart: row.windowStart,
    windowEnd: row.windowEnd,
    filePath: entity.filePath,
    lineNumber: entity.lineNumber,
    endLine: entity.endLine,
    kind: entity.kind,
    name: entity.name,
    qualifiedName: entity.qualifiedName,
    language: entity.language,
    text: row.text,
    contentDigest: row.contentDigest,
    vector: row.vector instanceof Float32Array ? row.vector : Float32Array.from(row.vector),
  };
  if (row.sourcePreview !== undefined) record.sourcePreview = row.sourcePreview;
  if (row.lexicalText !== undefined) record.lexicalText = row.lexicalText;
  if (entity.parent) record.parent = entity.parent;
  if (entity.docstring) record.docstring = entity.docstring;
  if (entity.signature) record.signature = entity.signature;
  return record;
}
