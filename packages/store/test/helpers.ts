import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddingModelInfo, Language, LocationKey } from '@codesearch/core';
import { afterEach } from 'vitest';
import type { CodeIndex, IndexRecord } from '../src/index.js';

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
  const result: IndexRecord = {
    locationKey: `${spec.file}:${spec.line}` as LocationKey,
    filePath: spec.file,
    lineNumber: spec.line,
    endLine: spec.line + body.split('\n').length - 1,
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
  return result;
}

/** Shifts records down by `lines`: new location keys, same content digests and vectors. */
export function shifted(records: IndexRecord[], lines: number): IndexRecord[] {
  return records.map((r) => ({
    ...r,
    lineNumber: r.lineNumber + lines,
    endLine: r.endLine + lines,
    locationKey: `${r.filePath}:${r.lineNumber + lines}` as LocationKey,
  }));
}
