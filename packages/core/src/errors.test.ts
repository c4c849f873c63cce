import { describe, expect, it } from 'vitest';
import {
  CacheError,
  CodesearchError,
  EmbeddingError,
  ModelNotFoundError,
  ParseError,
  StoreError,
  TextPrepError,
} from './index.js';

describe('error classes', () => {
  it('prefix the message with the stage and name the file for parse errors', () => {
    const error = new ParseError('src/a.py', 'invalid UTF-8');
    expect(error.message).toBe('[parser] src/a.py: invalid UTF-8');
    expect(error.name).toBe('ParseError');
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.filePath).toBe('src/a.py');
  });

  it('recognise their own kind and the base kind, not sibling kinds', () => {
    const notFound = new ModelNotFoundError('no model at /m; run `codesearch model pull`');
    expect(ModelNotFoundError.isInstance(notFound)).toBe(true);
    expect(EmbeddingError.isInstance(notFound)).toBe(true);
    expect(CodesearchError.isInstance(notFound)).toBe(true);
    expect(CacheError.isInstance(notFound)).toBe(false);
    expect(ParseError.isInstance(new TextPrepError('x'))).toBe(false);
    expect(CodesearchError.isInstance(new Error('plain'))).toBe(false);
    expect(CodesearchError.isInstance(null)).toBe(false);
  });

  it('recognise an error made by another copy of the package (same registered marker)', () => {
    const foreign = Object.assign(new Error('[cache] x'), {
      [Symbol.for('@codesearch/core/error')]: true,
      [Symbol.for('@codesearch/core/error/CacheError')]: true,
    });
    expect(CacheError.isInstance(foreign)).toBe(true);
    expect(foreign instanceof CacheError).toBe(false);
  });

  it('keep the cause', () => {
    const cause = new Error('ENOSPC');
    const error = new CacheError('cannot write cache.json: ENOSPC (in-memory results kept)', { cause });
    expect(error.cause).toBe(cause);
    expect(error.stage).toBe('cache');
  });

  it('name the index directory and the stage for store errors', () => {
    const cause = new Error('LanceError(IO): unexpected end of file');
    const error = new StoreError('index at /r/.codesearch/index is corrupt: unexpected end of file', {
      code: 'INDEX_CORRUPT',
      directory: '/r/.codesearch/index',
      cause,
    });
    expect(error.message).toBe('[store] index at /r/.codesearch/index is corrupt: unexpected end of file');
    expect(error.name).toBe('StoreError');
    expect(error.stage).toBe('store');
    expect(error.code).toBe('INDEX_CORRUPT');
    expect(error.directory).toBe('/r/.codesearch/index');
    expect(error.cause).toBe(cause);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(CodesearchError.isInstance(error)).toBe(true);
    expect(CacheError.isInstance(error)).toBe(false);
    expect(StoreError.isInstance(new CacheError('x'))).toBe(false);
    const plain = new StoreError('closed');
    expect(plain.code).toBe('STORE_FAILED');
    expect(plain.directory).toBeUndefined();
  });
});
