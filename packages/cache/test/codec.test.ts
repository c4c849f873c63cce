import { CacheError } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { contentKey, decodeVector, encodeVector } from '../src/index.js';
import { bytesOf, vector } from './helpers.js';

const BASE = {
  modelName: 'Xenova/all-MiniLM-L6-v2',
  modelVersion: 'abc123',
  textPrepVersion: 'codesearch-text/1',
  text: 'def f(): pass',
};

describe('contentKey', () => {
  it('is a hex sha256, the same for the same input', () => {
    const key = contentKey(BASE);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(contentKey({ ...BASE })).toBe(key);
  });

  it('changes when the model version, text-prep version or text changes; not with the model name', () => {
    const key = contentKey(BASE);
    const variants = [
      { ...BASE, modelVersion: 'abc124' },
      { ...BASE, textPrepVersion: 'codesearch-text/2' },
      { ...BASE, text: 'def f(): pass ' },
    ];
    const keys = variants.map(contentKey);
    expect(new Set([key, ...keys]).size).toBe(4);
    expect(contentKey({ ...BASE, modelName: 'Xenova/codebert-base' })).toBe(key);
  });

  it('cannot be confused by moving text between fields (unambiguous encoding)', () => {
    const a = contentKey({ ...BASE, modelVersion: 'a:b', textPrepVersion: 'c' });
    const b = contentKey({ ...BASE, modelVersion: 'a', textPrepVersion: 'b:c' });
    const c = contentKey({ ...BASE, modelVersion: 'a","b', textPrepVersion: 'c' });
    const d = contentKey({ ...BASE, modelVersion: 'a', textPrepVersion: 'b","c' });
    expect(new Set([a, b, c, d]).size).toBe(4);
  });

  it('does not depend on where the entity is: a moved function keeps its key', () => {
    // Callers may pass the whole entity; only the identity fields count.
    const text = 'def parse(path):\n    return open(path).read()';
    const before = { ...BASE, text, filePath: 'src/a.py', lineNumber: 10, location: 'src/a.py:10' };
    const after = { ...BASE, text, filePath: 'src/b.py', lineNumber: 99, location: 'src/b.py:99' };
    expect(contentKey(after)).toBe(contentKey(before));
    expect(contentKey(after)).toBe(contentKey({ ...BASE, text }));
  });

  it('rejects non-string fields with a CacheError', () => {
    expect(() => contentKey({ ...BASE, text: undefined as unknown as string })).toThrow(CacheError);
  });
});

describe('vector codec', () => {
  it('round-trips bit for bit, including -0, subnormals and extremes', () => {
    const values = new Float32Array([
      0, -0, 1e-45, -3.4028234663852886e38, 3.4028234663852886e38, 0.1, -0.333333343,
    ]);
    const decoded = decodeVector(encodeVector(values), values.length)!;
    expect(bytesOf(decoded).equals(bytesOf(values))).toBe(true);
    const random = vector(7, 384);
    expect(bytesOf(decodeVector(encodeVector(random))!).equals(bytesOf(random))).toBe(true);
  });

  it('encodes little-endian float32 bytes as base64', () => {
    expect(encodeVector(new Float32Array([1]))).toBe(Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
    // A view into a larger buffer encodes only its own bytes.
    const big = new Float32Array([1, 2, 3]);
    expect(encodeVector(big.subarray(1, 2))).toBe(encodeVector(new Float32Array([2])));
  });

  it('rejects text that is not a vector of the expected length', () => {
    const good = encodeVector(vector(1, 4));
    expect(decodeVector(good, 4)).toBeInstanceOf(Float32Array);
    expect(decodeVector(good, 5)).toBeUndefined();
    expect(decodeVector(`${good.slice(0, -4)}!!!!`, 4)).toBeUndefined();
    expect(decodeVector(good.slice(1), 4)).toBeUndefined();
    expect(decodeVector('AAA=', undefined)).toBeUndefined(); // 2 bytes: not a whole float
    expect(decodeVector(42, 4)).toBeUndefined();
    expect(decodeVector(encodeVector(new Float32Array([1, Number.NaN])), 2)).toBeUndefined();
    expect(decodeVector(encodeVector(new Float32Array([Number.POSITIVE_INFINITY])))).toBeUndefined();
  });
});
