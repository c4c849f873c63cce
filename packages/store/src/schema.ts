import type { ArrowModule } from './lance.js';

/** Schema metadata key holding `IndexMetadata` as JSON. */
export const METADATA_KEY = 'codesearch';
/**
 * Changes when the layout on disk or the columns change; an index of another format must be
 * rebuilt. In the marker and in the table's schema metadata. `/1` was the table directly in
 * the index directory, without a marker; `/2` had one row per unit (no windows).
 */
export const INDEX_FORMAT = 'codesearch-index/3';
/**
 * Older marked formats this version replaces by itself: the index is data codesearch derived
 * from the code, so a sync rebuilds it (a read-only open says `INDEX_OUTDATED`).
 */
export const OUTDATED_FORMATS: ReadonlySet<string> = new Set(['codesearch-index/2']);
/** The column the full-text index covers. */
export const SEARCH_TEXT_COLUMN = 'searchText';
export const VECTOR_COLUMN = 'vector';

/** What an index records about itself, in the table's schema metadata. */
export interface IndexMetadata {
  format: string;
  modelName: string;
  modelVersion: string;
  dimensions: number;
  /** ISO-8601. */
  createdAt: string;
}

/** The row identity column: `rowKey(locationKey, window)`, what merges and deletes match on. */
export const ROW_KEY_COLUMN = 'rowKey';

/** Columns returned with each hit or candidate (never the vector or the texts). */
export const HIT_COLUMNS = [
  'locationKey',
  'window',
  'windowStart',
  'windowEnd',
  'parent',
  'filePath',
  'lineNumber',
  'endLine',
  'kind',
  'name',
  'qualifiedName',
  'language',
  'docstring',
  'signature',
  'sourcePreview',
] as const;

export function indexSchema(arrow: ArrowModule, metadata: IndexMetadata) {
  const { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } = arrow;
  const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
  return new Schema(
    [
      text(ROW_KEY_COLUMN),
      text('locationKey'),
      new Field('window', new Int32(), false),
      new Field('windowStart', new Int32(), false),
      new Field('windowEnd', new Int32(), false),
      text('parent', true),
      text('filePath'),
      new Field('lineNumber', new Int32(), false),
      new Field('endLine', new Int32(), false),
      text('kind'),
      text('name'),
      text('qualifiedName'),
      text('language'),
      text('docstring', true),
      text('signature', true),
      text('text'),
      text('sourcePreview', true),
      text('contentDigest'),
      text(SEARCH_TEXT_COLUMN),
      new Field(
        VECTOR_COLUMN,
        new FixedSizeList(metadata.dimensions, new Field('item', new Float32(), true)),
        false,
      ),
    ],
    new Map([[METADATA_KEY, JSON.stringify(metadata)]]),
  );
}

/** Reads and checks the metadata; a string says what is wrong. */
export function readIndexMetadata(metadata: ReadonlyMap<string, string>): IndexMetadata | string {
  const raw = metadata.get(METADATA_KEY);
  if (raw === undefined) return `the table has no "${METADATA_KEY}" schema metadata (not a codesearch index)`;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return `the "${METADATA_KEY}" schema metadata is not JSON`;
  }
  const m = value as Partial<IndexMetadata> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.format !== 'string' ||
    typeof m.modelName !== 'string' ||
    typeof m.modelVersion !== 'string' ||
    typeof m.createdAt !== 'string' ||
    !Number.isInteger(m.dimensions)
  ) {
    return `the "${METADATA_KEY}" schema metadata lacks format, model or dimensions`;
  }
  return m as IndexMetadata;
}
