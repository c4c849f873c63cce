import {
  type CacheOpenReport,
  type CodeEntity,
  type Embedder,
  type EmbeddingCache,
  type EmbeddingCacheEntry,
  EmbeddingError,
  type EmbeddingModelInfo,
  type EmbedOptions,
  type EmbedOutcome,
} from '@codesearch/core';
import type { BatchLogger } from '../src/index.js';

/** A deterministic unit vector for a text (FNV-1a seeded), different for different texts. */
export function fakeVector(text: string, dimensions = 8): Float32Array {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    vector[i] = Math.sin(hash / 1000 + i * 1.7) + 0.01 * (i + 1);
    norm += vector[i]! * vector[i]!;
  }
  for (let i = 0; i < dimensions; i++) vector[i]! /= Math.sqrt(norm);
  return vector;
}

export interface FakeEmbedderOptions {
  modelName?: string;
  modelVersion?: string;
  dimensions?: number;
  /** Texts for which `embed` returns `{ ok: false }`. */
  failText?: (text: string) => boolean;
  /** Makes the n-th `embed` call (0-based) throw this error. */
  throwOnCall?: (call: number, texts: readonly string[]) => Error | undefined;
  /** Runs inside `embed` before answering (to abort mid-call, say). */
  during?: (call: number) => void;
  /** Each `embed` call takes this long, like a real model. */
  delayMs?: number;
  describeError?: Error;
}

/** An `Embedder` that counts what it is asked and answers with `fakeVector`. */
export class FakeEmbedder implements Embedder {
  readonly specificationVersion = 'v1' as const;
  describeCalls = 0;
  disposeCalls = 0;
  readonly calls: string[][] = [];

  constructor(private readonly options: FakeEmbedderOptions = {}) {}

  get info(): EmbeddingModelInfo {
    return {
      modelName: this.options.modelName ?? 'fake/model',
      modelVersion: this.options.modelVersion ?? 'v1',
      dimensions: this.options.dimensions ?? 8,
    };
  }

  /** Every text embedded, in order. */
  get texts(): string[] {
    return this.calls.flat();
  }

  async describe(): Promise<EmbeddingModelInfo> {
    this.describeCalls++;
    if (this.options.describeError) throw this.options.describeError;
    return this.info;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedOutcome[]> {
    const call = this.calls.length;
    this.calls.push([...texts]);
    this.options.during?.(call);
    if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    options.signal?.throwIfAborted();
    const thrown = this.options.throwOnCall?.(call, texts);
    if (thrown) throw thrown;
    return texts.map((text, index) =>
      this.options.failText?.(text)
        ? { ok: false, error: new EmbeddingError(`text ${index}: simulated model failure`) }
        : { ok: true, vector: fakeVector(text, this.info.dimensions), truncated: false },
    );
  }

  async dispose(): Promise<void> {
    this.disposeCalls++;
  }
}

/**
 * An in-memory `EmbeddingCache`. `entries` is its memory, `persisted` what the last
 * successful flush made durable (a restart sees only that). Switches make each call fail.
 */
export class FakeCache implements EmbeddingCache {
  readonly specificationVersion = 'v1' as const;
  readonly location = 'memory://fake-cache';
  readonly entries: Map<string, EmbeddingCacheEntry>;
  persisted: Map<string, EmbeddingCacheEntry>;
  readonly opened: EmbeddingModelInfo[] = [];
  readonly lookups: string[][] = [];
  readonly stored: string[][] = [];
  /** Number of entries durable after each successful flush. */
  readonly flushes: number[] = [];
  flushAttempts = 0;
  closeCalls = 0;
  openWarnings: string[] = [];
  failOpen: Error | undefined;
  failGet: Error | undefined;
  failSet: Error | undefined;
  failFlush: Error | undefined;

  constructor(initial: Iterable<[string, EmbeddingCacheEntry]> = []) {
    this.entries = new Map(initial);
    this.persisted = new Map(this.entries);
  }

  /** A new cache holding what this one made durable: a process restart. */
  reopen(): FakeCache {
    return new FakeCache(this.persisted);
  }

  async open(model: EmbeddingModelInfo): Promise<CacheOpenReport> {
    this.opened.push(model);
    if (this.failOpen) throw this.failOpen;
    const now = new Date().toISOString();
    return {
      metadata: { ...model, created: now, updated: now },
      entries: this.entries.size,
      warnings: this.openWarnings,
    };
  }

  async getMany(keys: readonly string[]): Promise<Array<EmbeddingCacheEntry | undefined>> {
    this.lookups.push([...keys]);
    if (this.failGet) throw this.failGet;
    return keys.map((key) => this.entries.get(key));
  }

  async setMany(entries: ReadonlyArray<readonly [string, EmbeddingCacheEntry]>): Promise<void> {
    this.stored.push(entries.map(([key]) => key));
    if (this.failSet) throw this.failSet;
    for (const [key, entry] of entries) this.entries.set(key, entry);
  }

  async flush(): Promise<void> {
    this.flushAttempts++;
    if (this.failFlush) throw this.failFlush;
    this.persisted = new Map(this.entries);
    this.flushes.push(this.persisted.size);
  }

  async close(): Promise<void> {
    this.closeCalls++;
  }
}

export class MemoryLogger implements BatchLogger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.errors.push(message);
  }
}

let line = 1;

/** A fresh line number, so that entities made without one never share a location. */
function nextLine(): number {
  line += 10;
  return line;
}

/** A valid Python function entity; each call gets a new line unless one is given. */
export function fn(name: string, overrides: Partial<CodeEntity> = {}): CodeEntity {
  const lineNumber = overrides.lineNumber ?? nextLine();
  return {
    kind: 'function',
    name,
    qualifiedName: name,
    filePath: 'src/app.py',
    lineNumber,
    endLine: lineNumber + 2,
    language: 'python',
    signature: `def ${name}(x):`,
    docstring: `Does ${name}.`,
    sourceCode: `def ${name}(x):\n    """Does ${name}."""\n    return x + ${JSON.stringify(name)}\n`,
    ...overrides,
  };
}

export function cls(name: string, overrides: Partial<CodeEntity> = {}): CodeEntity {
  const lineNumber = overrides.lineNumber ?? nextLine();
  return {
    kind: 'class',
    name,
    qualifiedName: name,
    filePath: 'src/app.py',
    lineNumber,
    endLine: lineNumber + 3,
    language: 'python',
    signature: `class ${name}:`,
    sourceCode: `class ${name}:\n    def run(self):\n        return 1\n`,
    ...overrides,
  };
}

export function method(parent: string, name: string, overrides: Partial<CodeEntity> = {}): CodeEntity {
  return fn(name, { kind: 'method', qualifiedName: `${parent}.${name}`, parent, ...overrides });
}

export const key = (entity: Pick<CodeEntity, 'filePath' | 'lineNumber'>) =>
  `${entity.filePath}:${entity.lineNumber}` as const;
