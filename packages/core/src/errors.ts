/**
 * Error classes of every stage. Each carries a marker symbol registered with `Symbol.for`,
 * so `isInstance` works across duplicate copies of this package (where `instanceof` fails).
 */

const BASE_MARKER = Symbol.for('@codesearch/core/error');

export type Stage = 'parser' | 'text-prep' | 'embedder' | 'cache' | 'batch' | 'store' | 'search' | 'cli';

export interface CodesearchErrorOptions {
  /** Stable machine-readable code: `PARSE_FAILED`, `MODEL_NOT_FOUND`, … */
  code: string;
  stage: Stage;
  cause?: unknown;
}

function hasMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

/** Base class. Messages start with the stage: `[parser] src/a.py: invalid UTF-8`. */
export class CodesearchError extends Error {
  readonly [BASE_MARKER] = true;
  readonly code: string;
  readonly stage: Stage;

  constructor(message: string, options: CodesearchErrorOptions) {
    super(
      `[${options.stage}] ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = options.code;
    this.stage = options.stage;
  }

  static isInstance(error: unknown): error is CodesearchError {
    return hasMarker(error, BASE_MARKER);
  }
}

const PARSE_MARKER = Symbol.for('@codesearch/core/error/ParseError');

/** A file could not be read or parsed. Names the file and the cause. */
export class ParseError extends CodesearchError {
  readonly [PARSE_MARKER] = true;
  readonly filePath: string;
  readonly reason: string;

  constructor(filePath: string, reason: string, options: { code?: string; cause?: unknown } = {}) {
    super(`${filePath}: ${reason}`, {
      code: options.code ?? 'PARSE_FAILED',
      stage: 'parser',
      cause: options.cause,
    });
    this.filePath = filePath;
    this.reason = reason;
  }

  static override isInstance(error: unknown): error is ParseError {
    return hasMarker(error, PARSE_MARKER);
  }
}

const TEXT_PREP_MARKER = Symbol.for('@codesearch/core/error/TextPrepError');

/** An entity could not be turned into model input (missing fields, wrong kind). */
export class TextPrepError extends CodesearchError {
  readonly [TEXT_PREP_MARKER] = true;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'TEXT_PREP_FAILED', stage: 'text-prep', cause: options.cause });
  }

  static override isInstance(error: unknown): error is TextPrepError {
    return hasMarker(error, TEXT_PREP_MARKER);
  }
}

const EMBEDDING_MARKER = Symbol.for('@codesearch/core/error/EmbeddingError');

/** The embedder could not produce a vector for a text (or for a whole batch). */
export class EmbeddingError extends CodesearchError {
  readonly [EMBEDDING_MARKER] = true;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'EMBEDDING_FAILED', stage: 'embedder', cause: options.cause });
  }

  static override isInstance(error: unknown): error is EmbeddingError {
    return hasMarker(error, EMBEDDING_MARKER);
  }
}

const MODEL_NOT_FOUND_MARKER = Symbol.for('@codesearch/core/error/ModelNotFoundError');

/** The model files are not where they should be. The message says how to get them. */
export class ModelNotFoundError extends EmbeddingError {
  readonly [MODEL_NOT_FOUND_MARKER] = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'MODEL_NOT_FOUND', cause: options.cause });
  }

  static override isInstance(error: unknown): error is ModelNotFoundError {
    return hasMarker(error, MODEL_NOT_FOUND_MARKER);
  }
}

const CACHE_MARKER = Symbol.for('@codesearch/core/error/CacheError');

/** The cache could not be read or written. Callers keep their in-memory results. */
export class CacheError extends CodesearchError {
  readonly [CACHE_MARKER] = true;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'CACHE_FAILED', stage: 'cache', cause: options.cause });
  }

  static override isInstance(error: unknown): error is CacheError {
    return hasMarker(error, CACHE_MARKER);
  }
}

const STORE_MARKER = Symbol.for('@codesearch/core/error/StoreError');

/**
 * The index could not be opened, read or written. Names the index directory and says what to
 * do. Codes: `INDEX_NOT_FOUND`, `INDEX_CORRUPT`, `MODEL_MISMATCH`, `INVALID_INPUT`,
 * `INDEX_CLOSED`, `WRITE_FAILED`, `STORE_FAILED` (the default).
 */
export class StoreError extends CodesearchError {
  readonly [STORE_MARKER] = true;
  /** The index directory, when the error concerns one. */
  readonly directory?: string;

  constructor(message: string, options: { code?: string; cause?: unknown; directory?: string } = {}) {
    super(message, { code: options.code ?? 'STORE_FAILED', stage: 'store', cause: options.cause });
    this.directory = options.directory;
  }

  static override isInstance(error: unknown): error is StoreError {
    return hasMarker(error, STORE_MARKER);
  }
}
