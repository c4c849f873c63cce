import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmbeddingCacheEntry, EmbeddingModelInfo } from '@codesearch/core';
import { afterAll } from 'vitest';
import { childDist as sharedChildDist } from '../../../test-support/child-dist.js';

export const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

export const MODEL: EmbeddingModelInfo = { modelName: 'test/mini', modelVersion: 'v1', dimensions: 16 };

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) {
    // Tests leave read-only directories behind; make them removable first.
    spawnSync('chmod', ['-R', 'u+rwX', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh temp directory, removed after the test file; readable by the `nobody` child. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'codesearch-cache-'));
  chmodSync(dir, 0o755);
  created.push(dir);
  return dir;
}

/** Deterministic pseudo-random unit-ish vector (xorshift), so tests can compare bit for bit. */
export function vector(seed: number, dimensions = MODEL.dimensions): Float32Array {
  let state = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = (state / 0xffffffff) * 2 - 1;
  }
  return out;
}

export function entry(seed: number, dimensions = MODEL.dimensions): EmbeddingCacheEntry {
  return {
    name: `fn_${seed}`,
    embedding: vector(seed, dimensions),
    timestamp: '2025-11-01T15:05:00.000Z',
    modelVersion: MODEL.modelVersion,
    location: `src/file_${seed}.py:${seed + 1}`,
  };
}

export function key(seed: number): string {
  return seed.toString(16).padStart(64, '0');
}

/** Collects warnings given to `onWarning`. */
export function warnings(): { list: string[]; onWarning: (message: string) => void } {
  const list: string[] = [];
  return { list, onWarning: (message) => list.push(message) };
}

export function bytesOf(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/**
 * `src/` as plain JS for child processes (other users, SIGKILL) without a build; `without`
 * leaves node_modules entries out (e.g. `@keyv` to simulate missing peers).
 */
export function childDist(without: string[] = []): string {
  return sharedChildDist(PACKAGE, without);
}

export interface ChildOptions {
  uid?: number;
  gid?: number;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Writes `source` (an ES module; `INDEX` is the cache's entry URL) next to the dist and runs it. */
export function childScript(source: string, dist = childDist()): string {
  const file = path.join(
    path.dirname(path.dirname(dist)),
    `child-${Math.random().toString(36).slice(2)}.mjs`,
  );
  writeFileSync(file, `const INDEX = ${JSON.stringify(dist)};\n${source}`, { mode: 0o644 });
  return file;
}

export function runChildSync(
  script: string,
  args: string[] = [],
  options: ChildOptions = {},
): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    env: { ...process.env, ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr || (child.error?.message ?? '') };
}

export function startChild(script: string, args: string[] = []) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/**
 * The payloads of the verified records of a journal, read by the documented format
 * (`<bytes> <16 hex of sha256> <json>\n`) with a parser of its own, not the code under test;
 * stops at the first record that does not verify.
 */
export function journalRecords(file: string): Array<Record<string, unknown>> {
  return readJournalIndependently(file).records;
}

/** Bytes after the last verified record of a journal: a torn append (0 when none or no journal). */
export function journalTornBytes(file: string): number {
  return readJournalIndependently(file).torn;
}

function readJournalIndependently(file: string): { records: Array<Record<string, unknown>>; torn: number } {
  if (!existsSync(file)) return { records: [], torn: 0 };
  const bytes = readFileSync(file);
  const records: Array<Record<string, unknown>> = [];
  let position = 0;
  for (;;) {
    const newline = bytes.indexOf(0x0a, position);
    if (newline < 0) break;
    const line = bytes.subarray(position, newline);
    const prefix = /^(\d+) ([0-9a-f]{16}) /.exec(line.subarray(0, 40).toString('latin1'));
    if (!prefix) break;
    const body = line.subarray(prefix[0].length);
    if (body.length !== Number(prefix[1])) break;
    if (createHash('sha256').update(body).digest('hex').slice(0, 16) !== prefix[2]) break;
    records.push(JSON.parse(body.toString('utf8')));
    position = newline + 1;
  }
  return { records, torn: bytes.length - position };
}

/** The content keys on disk: cache.json's and those of its journal's verified records, sorted. */
export function keysOnDisk(file: string): string[] {
  const keys = new Set(Object.keys(JSON.parse(readFileSync(file, 'utf8')).embeddings));
  for (const record of journalRecords(`${file}.journal`)) {
    for (const key of Object.keys((record.entries as object | undefined) ?? {})) keys.add(key);
  }
  return [...keys].sort();
}
