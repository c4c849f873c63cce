import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddingModelInfo, type Language, type LocationKey, StoreError } from '@codesearch/core';
import type { Connection, Table } from '@lancedb/lancedb';
import { afterEach, expect } from 'vitest';
import { type CodeIndex, INDEX_FORMAT, type IndexRecord, MARKER_FILE } from '../src/index.js';

export const lancedb = createRequire(import.meta.url)(
  '@lancedb/lancedb',
) as typeof import('@lancedb/lancedb');

export const DIMS = 8;
export const MODEL: EmbeddingModelInfo = {
  modelName: 'test/hash-model',
  modelVersion: 'sha256:aaaa',
  dimensions: DIMS,
};

const dirs: string[] = [];
const open: CodeIndex[] = [];

afterEach(async () => {
  for (const index of open.splice(0)) await index.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'codesearch-store-'));
  dirs.push(dir);
  return dir;
}

/** Registers an index to be closed after the test. */
export function track<T extends CodeIndex>(index: T): T {
  open.push(index);
  return index;
}

/** An L2-normalised vector from weights (padded with zeros). */
export function unit(...weights: number[]): Float32Array {
  const vector = new Float32Array(DIMS);
  vector.set(weights.slice(0, DIMS));
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

export interface RecordSpec {
  file: string;
  line: number;
  name: string;
  body?: string;
  doc?: string;
  language?: Language;
  vector?: Float32Array;
  /** Defaults to a digest of name, body and doc: same content, same digest. */
  digest?: string;
  parent?: string;
}

export function record(spec: RecordSpec): IndexRecord {
  const body = spec.body ?? `def ${spec.name}():\n    pass`;
  const qualifiedName = spec.parent ? `${spec.parent}.${spec.name}` : spec.name;
  const text = `python function ${qualifiedName}\npath: ${spec.file}\n${spec.doc ? `doc: ${spec.doc}\n` : ''}\n${body}`;
  const endLine = spec.line + body.split('\n').length - 1;
  const result: IndexRecord = {
    locationKey: `${spec.file}:${spec.line}` as LocationKey,
    window: 0,
    windowStart: spec.line,
    windowEnd: endLine,
    filePath: spec.file,
    lineNumber: spec.line,
    endLine,
    kind: spec.parent ? 'method' : 'function',
    name: spec.name,
    qualifiedName,
    language: spec.language ?? 'python',
    text,
    sourcePreview: body.split('\n').slice(0, 3).join('\n'),
    contentDigest: spec.digest ?? `digest:${spec.file}:${qualifiedName}:${body}:${spec.doc ?? ''}`,
    vector: spec.vector ?? unit(1, spec.line % 7, spec.name.length),
  };
  if (spec.doc) result.docstring = spec.doc;
  if (spec.parent) result.parent = spec.parent;
  return result;
}

/** Shifts records down by `lines`: new location keys, same content digests and vectors. */
export function shifted(records: IndexRecord[], lines: number): IndexRecord[] {
  return records.map((r) => ({
    ...r,
    lineNumber: r.lineNumber + lines,
    endLine: r.endLine + lines,
    windowStart: r.windowStart + lines,
    windowEnd: r.windowEnd + lines,
    locationKey: `${r.filePath}:${r.lineNumber + lines}` as LocationKey,
  }));
}

/** The marker of the index in `dir`, as JSON. */
export async function readMarkerJson(dir: string): Promise<Record<string, unknown> & { generation: string }> {
  return JSON.parse(await readFile(join(dir, MARKER_FILE), 'utf8'));
}

/** The directory of the generation the marker names. */
export async function generationDir(dir: string): Promise<string> {
  return join(dir, (await readMarkerJson(dir)).generation);
}

/** The LanceDB table directory of the current generation. */
export async function tableDir(dir: string): Promise<string> {
  return join(await generationDir(dir), 'code.lance');
}

/** Runs `use` on the current table through a LanceDB connection of its own (not the index's). */
export async function withTable<T>(dir: string, use: (table: Table) => Promise<T>): Promise<T> {
  const db = await lancedb.connect(await generationDir(dir));
  const table = await db.openTable('code');
  try {
    return await use(table);
  } finally {
    table.close();
    db.close();
  }
}

/**
 * A marked index whose generation holds whatever `fill` creates through LanceDB: tables that
 * `openCodeIndex` itself would never write (other formats, other columns).
 */
export async function rawIndex(
  dir: string,
  fill: (db: Connection) => Promise<void>,
  marker: Record<string, unknown> = {},
): Promise<string> {
  const generation = `gen-${Date.now()}-0badcafe`;
  await mkdir(join(dir, generation), { recursive: true });
  const db = await lancedb.connect(join(dir, generation));
  try {
    await fill(db);
  } finally {
    db.close();
  }
  const now = new Date().toISOString();
  await writeFile(
    join(dir, MARKER_FILE),
    JSON.stringify({ format: INDEX_FORMAT, generation, ...MODEL, createdAt: now, updatedAt: now, ...marker }),
  );
  return join(dir, generation);
}

/** The StoreError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a StoreError, got ${String(value)}`);
    },
    (e: unknown) => e,
  );
  expect(StoreError.isInstance(error), String(error)).toBe(true);
  return error as StoreError;
}
