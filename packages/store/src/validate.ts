import type { EmbeddingModelInfo, IndexManifest, Language } from '@codesearch/core';
import { manifestProblem } from './manifest-file.js';
import { sqlIn } from './sql.js';
import { invalidInput } from './store-errors.js';
import type { IndexRecord, SearchMode, SearchOptions, SearchQuery, SyncOptions } from './types.js';

// What callers hand the index, checked before anything is read or written: a bad argument is an
// INVALID_INPUT StoreError naming the record or option, never a half-done write.

export const DEFAULT_K = 10;
/** Most hits one search returns. */
export const MAX_K = 10_000;
const MODES: readonly SearchMode[] = ['hybrid', 'vector', 'lexical'];

export function checkRecords(records: readonly IndexRecord[], model: EmbeddingModelInfo): void {
  if (!Array.isArray(records)) throw invalidInput('sync needs an array of records');
  const keys = new Set<string>();
  const dims = model.dimensions;
  records.forEach((record, i) => {
    const where = `record ${i}${typeof record?.locationKey === 'string' ? ` (${record.locationKey})` : ''}`;
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
    if (keys.has(record.locationKey)) throw invalidInput(`sync: ${where}: location key given twice`);
    keys.add(record.locationKey);
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
}

export function checkManifest(options: SyncOptions | undefined): IndexManifest | undefined {
  const manifest = options?.manifest;
  if (manifest === undefined) return undefined;
  const problem = manifestProblem(manifest);
  if (problem) throw invalidInput(`sync: options.manifest ${problem}`);
  return manifest;
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
  const filter = languageFilter(options.languages);
  return { text, k, mode, vector, filter };
}

function languageFilter(languages: readonly Language[] | undefined): string | undefined {
  if (languages === undefined) return undefined;
  if (!Array.isArray(languages) || !languages.every((language) => typeof language === 'string')) {
    throw invalidInput('search: languages must be an array of language names');
  }
  return languages.length === 0 ? undefined : sqlIn('language', languages);
}

function describeVector(vector: unknown): string {
  if (vector instanceof Float32Array) return `${vector.length} values`;
  if (Array.isArray(vector)) return `an array of ${vector.length} (convert it with Float32Array.from)`;
  return vector === undefined ? 'none' : typeof vector;
}
