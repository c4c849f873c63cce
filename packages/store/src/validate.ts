import type { EmbeddingModelInfo, EntityKind, IndexManifest, Language } from '@codesearch/core';
import { manifestProblem } from './manifest-file.js';
import { rowKey } from './rows.js';
import { sqlIn } from './sql.js';
import { invalidInput } from './store-errors.js';
import type {
  CandidateOptions,
  IndexRecord,
  SearchMode,
  SearchOptions,
  SearchQuery,
  SyncOptions,
} from './types.js';

// What callers hand the index, checked before anything is read or written: a bad argument is an
// INVALID_INPUT StoreError naming the record or option, never a half-done write.

export const DEFAULT_K = 10;
/** Most hits one search returns. */
export const MAX_K = 10_000;
const MODES: readonly SearchMode[] = ['hybrid', 'vector', 'lexical'];

export function checkRecords(records: readonly IndexRecord[], model: EmbeddingModelInfo): void {
  if (!Array.isArray(records)) throw invalidInput('sync needs an array of records');
  const keys = new Set<string>();
  const units = new Set<string>();
  const dims = model.dimensions;
  records.forEach((record, i) => {
    const window = Number.isInteger(record?.window) && record.window > 0 ? ` window ${record.window}` : '';
    const where = `record ${i}${typeof record?.locationKey === 'string' ? ` (${record.locationKey}${window})` : ''}`;
    if (typeof record !== 'object' || record === null) throw invalidInput(`sync: ${where} is not an object`);
    for (const field of [
      'locationKey',
      'filePath',
      'kind',
      'name',
      'qualifiedName',
      'language',
      'text',
    ] as const) {
      if (typeof record[field] !== 'string') throw invalidInput(`sync: ${where} has no ${field}`);
    }
    if (typeof record.contentDigest !== 'string' || record.contentDigest === '') {
      throw invalidInput(`sync: ${where} has no contentDigest`);
    }
    if (!Number.isInteger(record.lineNumber) || !Number.isInteger(record.endLine)) {
      throw invalidInput(`sync: ${where} needs integer lineNumber and endLine`);
    }
    if (!Number.isInteger(record.window) || record.window < 0) {
      throw invalidInput(`sync: ${where} needs an integer window >= 0 (0 for a unit embedded whole)`);
    }
    if (!Number.isInteger(record.windowStart) || !Number.isInteger(record.windowEnd)) {
      throw invalidInput(`sync: ${where} needs integer windowStart and windowEnd`);
    }
    if (record.parent !== undefined && typeof record.parent !== 'string') {
      throw invalidInput(`sync: ${where} has a parent that is not a string`);
    }
    const key = rowKey(record.locationKey, record.window);
    if (keys.has(key)) throw invalidInput(`sync: ${where}: location key and window given twice`);
    keys.add(key);
    if (record.window === 0) units.add(record.locationKey);
    const vector = record.vector;
    if (!(vector instanceof Float32Array) || vector.length !== dims) {
      throw invalidInput(
        `sync: ${where} needs a Float32Array vector of ${dims} values (${model.modelName}), got ${describeVector(vector)}`,
      );
    }
    for (const value of vector) {
      if (!Number.isFinite(value)) throw invalidInput(`sync: ${where} has a vector with ${value}`);
    }
  });
  // Every unit has a window 0: it is the unit's row for names, stats and counts.
  records.forEach((record, i) => {
    if (!units.has(record.locationKey)) {
      throw invalidInput(
        `sync: record ${i} (${record.locationKey} window ${record.window}): the unit has no window 0`,
      );
    }
  });
}

export function checkManifest(options: SyncOptions | undefined): IndexManifest | undefined {
  const manifest = options?.manifest;
  if (manifest === undefined) return undefined;
  const problem = manifestProblem(manifest);
  if (problem) throw invalidInput(`sync: options.manifest ${problem}`);
  return manifest;
}

/**
 * The files of a partial sync (`options.files`), checked: strings, and every record in one of
 * them (a record outside would be written without the rows it replaces being compared).
 */
export function checkFiles(
  records: readonly IndexRecord[],
  options: SyncOptions | undefined,
): readonly string[] | undefined {
  const files = options?.files;
  if (files === undefined) return undefined;
  if (!Array.isArray(files) || !files.every((file) => typeof file === 'string')) {
    throw invalidInput('sync: options.files must be an array of root-relative paths');
  }
  const scope = new Set(files);
  const outside = records.find((record) => !scope.has(record.filePath));
  if (outside) {
    throw invalidInput(
      `sync: record ${outside.locationKey} is in ${outside.filePath}, which options.files does not list`,
    );
  }
  return [...scope];
}

/** A search's query and options, checked; `filter` is the SQL of the language filter, if any. */
export function checkSearch(query: SearchQuery, options: SearchOptions, model: EmbeddingModelInfo) {
  const text = query?.text;
  if (typeof text !== 'string') throw invalidInput('search needs query.text (a string)');
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K)
    throw invalidInput(`search: k must be an integer in 1..${MAX_K}, got ${k}`);
  const mode = options.mode ?? 'hybrid';
  if (!MODES.includes(mode))
    throw invalidInput(`search: mode must be one of ${MODES.join(', ')}, got ${String(mode)}`);
  const vector = query.vector;
  if (vector !== undefined && (!(vector instanceof Float32Array) || vector.length !== model.dimensions)) {
    throw invalidInput(
      `search: query.vector must be a Float32Array of ${model.dimensions} values (${model.modelName}), got ${describeVector(vector)}`,
    );
  }
  if (mode === 'vector' && !vector)
    throw invalidInput('search: vector mode needs query.vector (embed the query text with the index model)');
  const filter = rowFilter('search', options.languages, undefined);
  return { text, k, mode, vector, filter };
}

/** A candidate query's options, checked; `filter` is the SQL of the language and kind filters, if any. */
export function checkCandidates(
  what: string,
  options: CandidateOptions,
): { depth: number; filter: string | undefined } {
  const depth = options?.depth;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_K) {
    throw invalidInput(`${what}: depth must be an integer in 1..${MAX_K}, got ${depth}`);
  }
  return { depth, filter: rowFilter(what, options.languages, options.kinds) };
}

export function checkQueryVector(what: string, vector: unknown, model: EmbeddingModelInfo): Float32Array {
  if (!(vector instanceof Float32Array) || vector.length !== model.dimensions) {
    throw invalidInput(
      `${what}: the vector must be a Float32Array of ${model.dimensions} values (${model.modelName}), got ${describeVector(vector)}`,
    );
  }
  return vector;
}

/** `language IN (…) AND kind IN (…)`; an absent or empty list filters nothing. */
function rowFilter(
  what: string,
  languages: readonly Language[] | undefined,
  kinds: readonly EntityKind[] | undefined,
): string | undefined {
  const parts: string[] = [];
  for (const [name, values] of [
    ['languages', languages],
    ['kinds', kinds],
  ] as const) {
    if (values === undefined) continue;
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'string')) {
      throw invalidInput(
        `${what}: ${name} must be an array of ${name === 'kinds' ? 'kind' : 'language'} names`,
      );
    }
    if (values.length > 0) parts.push(sqlIn(name === 'kinds' ? 'kind' : 'language', values));
  }
  return parts.length === 0 ? undefined : parts.join(' AND ');
}

function describeVector(vector: unknown): string {
  if (vector instanceof Float32Array) return `${vector.length} values`;
  if (Array.isArray(vector)) return `an array of ${vector.length} (convert it with Float32Array.from)`;
  return vector === undefined ? 'none' : typeof vector;
}
